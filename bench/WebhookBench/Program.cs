// Webhook delivery benchmark (bench/README.md, "Webhooks"). Runs a published PaymentHub as a child
// process against a receiver in this process that answers 200 at once, and measures:
//   latency     commit → receiver's first byte, one event at a time (cancel an intent, wait for its webhook),
//               and again with 16 clients creating and cancelling intents at once
//   throughput  deliveries per second while the dispatcher drains a backlog of due deliveries
//   kill -9     the app is killed with SIGKILL in the middle of a drain and started again: lost and duplicated deliveries
// Usage: WebhookBench <path to PaymentHub executable> <work folder> [events for the backlog, default 20000] [runs, default 3]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

var exe = Path.GetFullPath(args[0]);
var work = Path.GetFullPath(args[1]);
var backlog = args.Length > 2 ? int.Parse(args[2]) : 20_000;
var runs = args.Length > 3 ? int.Parse(args[3]) : 3;

await using var receiver = await Receiver.StartAsync();
var results = new List<(Latencies Alone, Latencies Loaded, double PerSecond, int Lost, int Duplicates, int KillLost, int KillDuplicates)>();
for (var run = 1; run <= runs; run++)
{
    Console.WriteLine($"== run {run} of {runs}");
    var (alone, loaded) = await Latency(run);
    var drain = await Drain(run);
    var kill = await KillDuringDrain(run);
    results.Add((alone, loaded, drain.PerSecond, drain.Lost, drain.Duplicates, kill.Lost, kill.Duplicates));
}

Console.WriteLine();
Console.WriteLine("== summary (each run, then the median)");
foreach (var r in results)
    Console.WriteLine($"alone {r.Alone}  |  16 clients {r.Loaded}  |  drain {r.PerSecond:0}/s lost {r.Lost} dup {r.Duplicates}  |  kill -9: lost {r.KillLost} dup {r.KillDuplicates}");
double Median(IEnumerable<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
Console.WriteLine($"median: alone p50 {Median(results.Select(r => r.Alone.P50)):0.0} ms, p99 {Median(results.Select(r => r.Alone.P99)):0.0} ms; " +
    $"16 clients p50 {Median(results.Select(r => r.Loaded.P50)):0.0} ms, p99 {Median(results.Select(r => r.Loaded.P99)):0.0} ms " +
    $"at {Median(results.Select(r => r.Loaded.EventsPerSecond)):0} events/s; drain {Median(results.Select(r => r.PerSecond)):0} deliveries/s");
return 0;

// The time from sending POST /cancel (its commit happens before the answer) to the receiver's first
// byte; and, as a lower bound, from the answer. First one event at a time, then 16 clients at once.
async Task<(Latencies Alone, Latencies Loaded)> Latency(int run)
{
    await using var app = await App.StartAsync(exe, Path.Combine(work, $"latency-{run}"), jobs: true);
    var api = app.Api();
    await app.CreateEndpointAsync(receiver.Url);
    // The first 200 warm the JIT and the pools.
    await Measure(api, clients: 1, perClient: 200);
    var alone = await Measure(api, clients: 1, perClient: 1000);
    var loaded = await Measure(api, clients: 16, perClient: 100);
    Console.WriteLine($"latency, one event at a time: {alone}");
    Console.WriteLine($"latency, 16 clients at once:  {loaded}");
    return (alone, loaded);
}

async Task<Latencies> Measure(HttpClient api, int clients, int perClient)
{
    var fromRequest = new ConcurrentBag<double>();
    var fromAnswer = new ConcurrentBag<double>();
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        for (var i = 0; i < perClient; i++)
        {
            var intent = await App.CreateIntentAsync(api);
            var arrival = receiver.Expect(intent);
            var sent = Stopwatch.GetTimestamp();
            (await api.PostAsync($"/api/platform/intents/{intent}/cancel", null)).EnsureSuccessStatusCode();
            var answered = Stopwatch.GetTimestamp();
            var arrived = await arrival.WaitAsync(TimeSpan.FromSeconds(30));
            fromRequest.Add(Stopwatch.GetElapsedTime(sent, arrived).TotalMilliseconds);
            fromAnswer.Add(Stopwatch.GetElapsedTime(answered, arrived).TotalMilliseconds);
        }
    }));
    double P(IEnumerable<double> xs, double q) { var s = xs.Order().ToList(); return s[(int)Math.Min(s.Count - 1, Math.Floor(q * s.Count))]; }
    return new Latencies(P(fromRequest, 0.5), P(fromRequest, 0.99), P(fromAnswer, 0.5), P(fromAnswer, 0.99),
        clients * perClient / Stopwatch.GetElapsedTime(started).TotalSeconds);
}

// A backlog of due deliveries, written while no dispatcher runs; then the app starts with its jobs
// and the dispatcher drains it. Rate = deliveries / (last arrival - first arrival).
async Task<(double PerSecond, int Lost, int Duplicates)> Drain(int run)
{
    var data = Path.Combine(work, $"drain-{run}");
    var ids = await FillBacklogAsync(data, backlog);
    receiver.Reset();
    await using var app = await App.StartAsync(exe, data, jobs: true);
    await receiver.WaitForAsync(ids, TimeSpan.FromMinutes(5));
    await Task.Delay(1000);
    var (first, last) = receiver.Span();
    var perSecond = (ids.Count - 1) / Stopwatch.GetElapsedTime(first, last).TotalSeconds;
    var (lost, duplicates) = receiver.Check(ids);
    Console.WriteLine($"drain of {ids.Count}: {perSecond:0} deliveries/s, lost {lost}, duplicates {duplicates}");
    return (perSecond, lost, duplicates);
}

// The same, killed with SIGKILL after a quarter has arrived, and started again on the same data.
async Task<(int Lost, int Duplicates)> KillDuringDrain(int run)
{
    var data = Path.Combine(work, $"kill-{run}");
    var count = Math.Min(backlog, 5000);
    var ids = await FillBacklogAsync(data, count);
    receiver.Reset();
    var app = await App.StartAsync(exe, data, jobs: true);
    await receiver.WaitForCountAsync(count / 4, TimeSpan.FromMinutes(2));
    app.Kill();
    var atKill = receiver.Count;
    await app.DisposeAsync();
    await using var again = await App.StartAsync(exe, data, jobs: true);
    await receiver.WaitForAsync(ids, TimeSpan.FromMinutes(3));
    // Deliveries the killed process had claimed are sent again once their lease (timeout 2 s + 30 s)
    // runs out; those it had sent but not recorded arrive twice. Wait for them before counting.
    await Task.Delay(TimeSpan.FromSeconds(40));
    var (lost, duplicates) = receiver.Check(ids);
    Console.WriteLine($"kill -9 after {atKill} of {count} had arrived, then a restart: lost {lost}, duplicates {duplicates}");
    return (lost, duplicates);
}

// Creates and cancels intents with no Hangfire server running: their deliveries are committed and due.
async Task<List<string>> FillBacklogAsync(string data, int count)
{
    await using var app = await App.StartAsync(exe, data, jobs: false);
    var api = app.Api();
    await app.CreateEndpointAsync(receiver.Url);
    var ids = new ConcurrentBag<string>();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
    {
        while (Interlocked.Increment(ref next) < count)
        {
            var intent = await App.CreateIntentAsync(api);
            (await api.PostAsync($"/api/platform/intents/{intent}/cancel", null)).EnsureSuccessStatusCode();
            ids.Add(intent);
        }
    }));
    Console.WriteLine($"backlog: {count} deliveries due");
    return [.. ids];
}

/// <summary>Milliseconds from the cancel request (and from its answer) to the receiver's first byte; and the events per second the clients made.</summary>
sealed record Latencies(double P50, double P99, double P50Answer, double P99Answer, double EventsPerSecond)
{
    public override string ToString() =>
        $"p50 {P50:0.0} ms, p99 {P99:0.0} ms (from the answer: p50 {P50Answer:0.0}, p99 {P99Answer:0.0}) at {EventsPerSecond:0} events/s";
}

/// <summary>A published PaymentHub in a child process, on a free loopback port.</summary>
sealed class App : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private App(Process process, string baseUrl)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        _http.DefaultRequestHeaders.Add("X-Client-ID", "pk_test_bench");
        _http.DefaultRequestHeaders.Add("X-Client-Secret", "sk_test_bench_secret");
    }

    public HttpClient Api() => _http;

    public static async Task<App> StartAsync(string exe, string data, bool jobs)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(exe, ["--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(exe)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["PAYMENTHUB_DATA"] = data;
        info.Environment["PAYMENTHUB_BOOTSTRAP_CLIENT_ID"] = "pk_test_bench";
        info.Environment["PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET"] = "sk_test_bench_secret";
        info.Environment["PaymentHub__Jobs__Server"] = jobs ? "true" : "false";
        // A short timeout keeps the lease short, so a restart after kill -9 re-sends claimed deliveries sooner.
        info.Environment["PaymentHub__Webhooks__TimeoutSeconds"] = "2";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("app: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new App(process, $"http://127.0.0.1:{port}");
        for (var i = 0; i < 200; i++)
        {
            try
            {
                if ((await app._http.GetAsync("/health")).IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException("PaymentHub did not start");
    }

    public async Task CreateEndpointAsync(string url)
    {
        var listed = await _http.GetFromJsonAsync<JsonNode>("/api/platform/webhook-endpoints");
        if ((int)listed!["data"]!["total"]! > 0) return;
        (await _http.PostAsync("/api/platform/webhook-endpoints", Json($$"""{ "url": "{{url}}" }"""))).EnsureSuccessStatusCode();
    }

    public static async Task<string> CreateIntentAsync(HttpClient api)
    {
        var body = $$"""
            {"amount":80,"currency":"USD","intent_type":"one_time","email":"customer@example.com","name":"John Doe",
             "reference_id":"bench-{{Guid.NewGuid():N}}","success_url":"https://example.com/s","cancel_url":"https://example.com/c",
             "order_items":[{"name":"Product 1","quantity":1,"price":80}]}
            """;
        var response = await api.PostAsync("/api/platform/intents", Json(body));
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["data"]!["intent_id"]!;
    }

    private static StringContent Json(string s) => new(s, System.Text.Encoding.UTF8, "application/json");

    /// <summary>SIGKILL: no shutdown, no flushing, as a crash or an OOM kill would stop it.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // A clean stop (SIGTERM), as a service manager would.
            Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
            if (!_process.WaitForExit(15_000)) _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _http.Dispose();
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>The merchant's receiver: answers 200 at once and notes when each event's first byte came, by intent id.</summary>
sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _byIntent = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _expected = new();
    private long _first;
    private long _last;
    private int _count;

    private Receiver(WebApplication app) => _app = app;

    public string Url => _app.Urls.Single().TrimEnd('/') + "/hook";
    public int Count => Volatile.Read(ref _count);

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var arrived = Stopwatch.GetTimestamp();
        var body = await JsonSerializer.DeserializeAsync<JsonNode>(ctx.Request.Body);
        var intent = (string)body!["intent_id"]!;
        _byIntent.AddOrUpdate(intent, 1, (_, n) => n + 1);
        Interlocked.CompareExchange(ref _first, arrived, 0);
        Volatile.Write(ref _last, arrived);
        Interlocked.Increment(ref _count);
        if (_expected.TryRemove(intent, out var waiter)) waiter.TrySetResult(arrived);
        ctx.Response.StatusCode = 200;
    }

    /// <summary>Completes with the Stopwatch timestamp of the intent's webhook arriving.</summary>
    public Task<long> Expect(string intent) => _expected.GetOrAdd(intent, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Reset()
    {
        _byIntent.Clear();
        _first = 0;
        _last = 0;
        _count = 0;
    }

    public (long First, long Last) Span() => (Volatile.Read(ref _first), Volatile.Read(ref _last));

    public async Task WaitForAsync(IReadOnlyCollection<string> intents, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (intents.Any(i => !_byIntent.ContainsKey(i)))
        {
            if (Stopwatch.GetTimestamp() > until) return;
            await Task.Delay(200);
        }
    }

    public async Task WaitForCountAsync(int count, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Count < count && Stopwatch.GetTimestamp() < until) await Task.Delay(5);
    }

    /// <summary>Intents whose webhook never came, and webhooks that came more than once.</summary>
    public (int Lost, int Duplicates) Check(IReadOnlyCollection<string> intents) =>
        (intents.Count(i => !_byIntent.ContainsKey(i)), _byIntent.Values.Sum(n => n - 1));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
