-- GET /api/platform/intents/{id} (the URL given to wrk) with the bench key.
wrk.headers["X-Client-ID"] = "pk_test_bench"
wrk.headers["X-Client-Secret"] = "sk_test_bench_secret"
