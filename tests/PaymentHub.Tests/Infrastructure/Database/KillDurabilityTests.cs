using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Xunit.Abstractions;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// "Acknowledged" means "durable": a real PaymentHub process takes creates and cancels from 32
/// clients at once (some with an Idempotency-Key) and is killed with SIGKILL in the middle of them,
/// on SQLite once its write-ahead log has passed a checkpoint, the instant an answer arrives.
/// Restarted on the same data, it must have every create and cancel it answered 200 for, with its
/// items, log rows, event and kept idempotent answer, and the database must be whole. Requests in
/// flight at the kill were never answered, so they may or may not have happened.
/// </summary>
public sealed class KillDurabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ClientId = "pk_test_kill_durability";
    private const string ClientSecret = "sk_test_kill_durability_secret";
    private const int Clients = 32, ClientsAtTheKill = 4;
    // The load runs until this many creates are answered (PostgreSQL takes far fewer a second);
    // fewer than the minimum, when even MaximumLoad was not enough, would prove nothing.
    private const int TargetAcknowledged = 1000, MinimumAcknowledged = 500;
    // SQLite's wal_autocheckpoint in Db.cs: the log is copied into the database once it holds this many pages.
    private const int CheckpointPages = 4000;
    private static readonly TimeSpan MinimumLoad = TimeSpan.FromSeconds(2.5), MaximumLoad = TimeSpan.FromSeconds(8);
    // After the checkpoint the writer starts the log again from its beginning; the kill should find commits there.
    private static readonly TimeSpan AfterCheckpoint = TimeSpan.FromSeconds(0.5);

    private readonly string _dataPath = PaymentHubFactory.NewDataPath();
    private readonly ServerProcesses _servers = new();

    private string Output() => _servers.Output();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _servers.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        PaymentHubFactory.DeleteData(_dataPath);
    }

    /// <summary>PaymentHub as its own process on this test's data, ready on a free port; its origin.</summary>
    private Task<(Process Process, string Origin)> StartAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["PAYMENTHUB_DATA"] = _dataPath,
            ["PAYMENTHUB_BOOTSTRAP_CLIENT_ID"] = ClientId,
            ["PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET"] = ClientSecret,
            ["PAYMENTHUB_ADMIN_PASSWORD"] = "admin-password-for-tests",
            // The load is the API's writes alone: no background jobs writing beside them.
            ["PaymentHub__Jobs__Server"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // On PostgreSQL the data folder's own database, created by the first start, found by the restart.
        if (TestDatabases.Postgres) environment["PAYMENTHUB_DATABASE"] = TestDatabases.Create(_dataPath);
        return _servers.StartAsync(environment);
    }

    private static HttpClient Api(string origin)
    {
        var client = new HttpClient { BaseAddress = new Uri(origin), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Client-ID", ClientId);
        client.DefaultRequestHeaders.Add("X-Client-Secret", ClientSecret);
        return client;
    }

    /// <summary>A create the server answered 200 for: what it said, and what was sent (to replay it under its key).</summary>
    private sealed record Created(string IntentId, string ReferenceId, string PaymentToken, string? Key, string Body, string Answer);

    /// <summary>A cancel the server answered 200 "cancelled" for.</summary>
    private sealed record Cancelled(string IntentId, string? Key, string Answer);

    /// <summary>What the clients saw: only answers read to their end count.</summary>
    private sealed class Load
    {
        public readonly ConcurrentBag<Created> Creates = [];
        public readonly ConcurrentBag<Cancelled> Cancels = [];
        public readonly ConcurrentQueue<string> Cancellable = new();
        public readonly ConcurrentQueue<string> Unexpected = new();
        public volatile bool Killed;
        /// <summary>Clients 0 to Active - 1 keep sending; the others stop after their current request.</summary>
        public volatile int Active = Clients;
        public int Sent, FailedInFlight;
        private readonly Process _server;
        private volatile bool _killAtNextAnswer;
        private int _kill;

        public Load(Process server) => _server = server;

        /// <summary>From now on, the next 200 a client reads kills the server.</summary>
        public void KillAtNextAnswer() => _killAtNextAnswer = true;

        /// <summary>The answer whose arrival killed the server.</summary>
        public string KilledAt { get; private set; } = "none: the server stopped answering";

        /// <summary>
        /// Called as soon as a 200 has been read, before it is recorded: the kill comes the instant
        /// an answer arrives, when its commit, had it come after the answer, would still be under way.
        /// </summary>
        public void Answered(string what)
        {
            if (_killAtNextAnswer) Kill(what);
        }

        public void Kill(string? at = null)
        {
            if (Interlocked.Exchange(ref _kill, 1) != 0) return;
            if (at is not null) KilledAt = at;
            Killed = true;
            _server.Kill(); // SIGKILL on Linux: no shutdown, no final checkpoint, no flush of anything still in the process
        }
    }

    private static string CreateBody(string referenceId) => $$"""
        {"amount":80,"currency":"USD","intent_type":"one_time","email":"a@example.com","name":"A","reference_id":"{{referenceId}}",
         "success_url":"https://example.com/s","cancel_url":"https://example.com/c","order_items":[{"name":"P","quantity":1,"price":80}]}
        """;

    private static HttpRequestMessage Post(string path, string? body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    /// <summary>
    /// One client: three creates to each cancel (of an intent created before, by any client), a
    /// third of each with an Idempotency-Key, until the kill or until told to stop. A request the
    /// kill cuts off fails with a connection error and is simply not acknowledged.
    /// </summary>
    private static async Task ClientAsync(HttpClient api, Load load, int client)
    {
        var random = new Random(client);
        for (var n = 0; !load.Killed && client < load.Active; n++)
        {
            var key = random.Next(3) == 0 ? $"key-{client}-{n}" : null;
            Interlocked.Increment(ref load.Sent);
            try
            {
                if (random.Next(4) == 0 && load.Cancellable.TryDequeue(out var intentId))
                {
                    using var response = await api.SendAsync(Post($"/api/platform/intents/{intentId}/cancel", null, key));
                    var answer = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.OK) load.Answered($"cancel {intentId}{(key is null ? "" : " keyed")}");
                    if (response.StatusCode == HttpStatusCode.OK && (string?)JsonNode.Parse(answer)?["data"]?["status"] == "cancelled")
                        load.Cancels.Add(new Cancelled(intentId, key, answer));
                    else
                        load.Unexpected.Enqueue($"cancel {intentId}: {(int)response.StatusCode} {answer}");
                }
                else
                {
                    var referenceId = $"KILL-{client}-{n}";
                    var body = CreateBody(referenceId);
                    using var response = await api.SendAsync(Post("/api/platform/intents", body, key));
                    var answer = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.OK) load.Answered($"create {referenceId}{(key is null ? "" : " keyed")}");
                    var data = response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(answer)?["data"] : null;
                    if (data?["intent_id"] is { } id && (string?)data["reference_id"] == referenceId)
                    {
                        var token = new Uri((string)data["payment_url"]!).AbsolutePath["/pay/".Length..];
                        load.Creates.Add(new Created((string)id!, referenceId, token, key, body, answer));
                        load.Cancellable.Enqueue((string)id!);
                    }
                    else
                        load.Unexpected.Enqueue($"create {referenceId}: {(int)response.StatusCode} {answer}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                // Cut off by the kill: never answered. Before the kill, a failure is the server's.
                if (load.Killed) Interlocked.Increment(ref load.FailedInFlight);
                else load.Unexpected.Enqueue($"request failed before the kill: {ex.Message}");
            }
        }
    }

    /// <summary>The SQLite write-ahead log's size, and whether it has reached the checkpoint (which then starts it again from its beginning).</summary>
    private (long Bytes, bool Checkpointed) WalState()
    {
        if (TestDatabases.Postgres) return (0, false);
        var database = Path.Combine(_dataPath, "paymenthub.db");
        var wal = new FileInfo(database + "-wal");
        if (!wal.Exists) return (0, false);
        // The page size is the database header's bytes 16–17, big-endian (1 means 65,536).
        var header = new byte[18];
        using (var file = new FileStream(database, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            file.ReadExactly(header);
        var pageSize = (header[16] << 8) | header[17];
        if (pageSize == 1) pageSize = 65_536;
        // A log of 32 header bytes, then frames of 24 header bytes and a page each.
        return (wal.Length, wal.Length >= 32 + (long)CheckpointPages * (24 + pageSize));
    }

    [Fact]
    public async Task Killed_InTheMiddleOfWrites_Restarted_HasEveryAcknowledgedWrite()
    {
        var wall = Stopwatch.StartNew();
        var (server, origin) = await StartAsync();
        var load = new Load(server);
        using var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients })
        {
            BaseAddress = new Uri(origin),
            Timeout = TimeSpan.FromSeconds(30),
        };
        api.DefaultRequestHeaders.Add("X-Client-ID", ClientId);
        api.DefaultRequestHeaders.Add("X-Client-Secret", ClientSecret);

        // The load, then the kill: at least MinimumLoad and TargetAcknowledged creates, and on SQLite
        // until the log has been past its checkpoint for a while (at most MaximumLoad, for a slow machine).
        var loadTime = Stopwatch.StartNew();
        var clients = Enumerable.Range(0, Clients).Select(i => Task.Run(() => ClientAsync(api, load, i))).ToArray();
        TimeSpan? checkpointedAt = null;
        while (loadTime.Elapsed < MaximumLoad)
        {
            await Task.Delay(50);
            Assert.False(server.HasExited, $"the server exited under load with {(server.HasExited ? server.ExitCode : 0)}\n{Output()}");
            if (checkpointedAt is null && WalState().Checkpointed) checkpointedAt = loadTime.Elapsed;
            if (loadTime.Elapsed < MinimumLoad || load.Creates.Count < TargetAcknowledged) continue;
            if (TestDatabases.Postgres || loadTime.Elapsed - checkpointedAt >= AfterCheckpoint) break;
        }
        // The kill comes with 4 clients left sending: under all 32 an answer spends many milliseconds
        // queued on its way out, so a commit that wrongly came after it would be over before it
        // arrived (with the COMMIT put 5 ms after its callers were told, a kill under 32 clients
        // missed it in 1 of 2 runs on a 2-core machine; under 4, in 1 of 10).
        load.Active = ClientsAtTheKill;
        await Task.WhenAll(clients[ClientsAtTheKill..]).WaitAsync(TimeSpan.FromSeconds(10));
        load.KillAtNextAnswer();
        // A server that no longer answers is killed all the same.
        try { await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (TimeoutException) { load.Kill(); }
        await server.WaitForExitAsync();
        var loaded = loadTime.Elapsed;
        var (walBytes, walCheckpointed) = WalState();
        await Task.WhenAll(clients);
        // The process killed was the server: nothing listens on its port any more.
        using (var probe = new TcpClient())
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, new Uri(origin).Port));

        var created = load.Creates.ToList();
        var cancelled = load.Cancels.ToList();
        var figures = $"{created.Count} creates ({created.Count(c => c.Key is not null)} keyed) and {cancelled.Count} cancels acknowledged " +
                      $"of {load.Sent} sent in {loaded.TotalSeconds:0.0} s, killed at the answer to {load.KilledAt}, {load.FailedInFlight} cut off by the kill" +
                      (TestDatabases.Postgres ? " (PostgreSQL)" : $"; write-ahead log {walBytes / 1024} KiB, checkpointed at " +
                          (checkpointedAt is { } at ? $"{at.TotalSeconds:0.0} s" : walCheckpointed ? "the kill" : "no point"));
        Assert.True(load.Unexpected.IsEmpty, $"{figures}\nanswers other than 200 before the kill:\n{string.Join('\n', load.Unexpected.Take(10))}\n{Output()}");
        Assert.True(created.Count >= MinimumAcknowledged, $"too little load to mean anything: {figures}\n{Output()}");

        // The restart recovers the database (on SQLite, from its write-ahead log) and answers from it.
        (_, origin) = await StartAsync();

        // In the database: every acknowledged create as answered, with its items and its log row; every acknowledged cancel done.
        var lost = new List<string>();
        await using (var db = TestDatabases.Open(_dataPath))
        {
            var intents = (await db.QueryAsync<(string Id, string ReferenceId, string PaymentToken, string Status)>(
                "SELECT id, reference_id, payment_token, status FROM intents")).ToDictionary(i => i.Id);
            var items = (await db.QueryAsync<string>("SELECT intent_id FROM intent_items")).ToLookup(i => i);
            var logs = (await db.QueryAsync<(string IntentId, string EventType)>("SELECT intent_id, event_type FROM intent_logs")).ToHashSet();
            var events = (await db.QueryAsync<string>("SELECT intent_id FROM events WHERE type = 'payment.canceled'")).ToHashSet();
            foreach (var c in created)
            {
                if (!intents.TryGetValue(c.IntentId, out var intent)) lost.Add($"create {c.IntentId} ({c.ReferenceId}): missing");
                else if (intent.ReferenceId != c.ReferenceId || intent.PaymentToken != c.PaymentToken)
                    lost.Add($"create {c.IntentId}: stored as {intent.ReferenceId} / {intent.PaymentToken}, answered {c.ReferenceId} / {c.PaymentToken}");
            }
            foreach (var c in cancelled)
                if (!intents.TryGetValue(c.IntentId, out var intent) || intent.Status != "cancelled")
                    lost.Add($"cancel {c.IntentId}: {(intents.ContainsKey(c.IntentId) ? intents[c.IntentId].Status : "missing")}");
            var foundCreates = created.Count(c => intents.ContainsKey(c.IntentId));
            var foundCancels = cancelled.Count(c => intents.TryGetValue(c.IntentId, out var i) && i.Status == "cancelled");
            figures += $"; found {foundCreates} creates and {foundCancels} cancels in the database" +
                       $"; {intents.Count - foundCreates} committed but not acknowledged";

            // Whole units only, acknowledged or not: each intent has its item and created row; each cancel its log row and event.
            var torn = new List<string>();
            foreach (var intent in intents.Values)
            {
                if (items[intent.Id].Count() != 1) torn.Add($"{intent.Id}: {items[intent.Id].Count()} items");
                if (!logs.Contains((intent.Id, "intent.created"))) torn.Add($"{intent.Id}: no intent.created log row");
                if (intent.Status == "cancelled" && !(logs.Contains((intent.Id, "payment.canceled")) && events.Contains(intent.Id)))
                    torn.Add($"{intent.Id}: cancelled without its log row or event");
                if (intent.Status is not ("requires_payment" or "cancelled")) torn.Add($"{intent.Id}: {intent.Status}");
            }
            if (!TestDatabases.Postgres)
            {
                var integrity = string.Join('\n', await db.QueryAsync<string>("PRAGMA integrity_check"));
                if (integrity != "ok") torn.Add($"integrity_check: {integrity}");
                var foreignKeys = (await db.QueryAsync("PRAGMA foreign_key_check")).Count();
                if (foreignKeys > 0) torn.Add($"foreign_key_check: {foreignKeys} rows");
            }
            Assert.True(torn.Count == 0, $"{figures}\nnot consistent after the restart:\n{string.Join('\n', torn.Take(10))}");
        }

        // Through the API: each acknowledged cancel reads cancelled; each keyed answer is replayed as it was given.
        using var after = Api(origin);
        using var gate = new SemaphoreSlim(8);
        async Task Check(Func<Task<string?>> check)
        {
            await gate.WaitAsync();
            try
            {
                if (await check() is { } problem) lock (lost) lost.Add(problem);
            }
            finally
            {
                gate.Release();
            }
        }
        var checks = cancelled.Select(c => Check(async () =>
        {
            using var response = await after.GetAsync($"/api/platform/intents/{c.IntentId}");
            var answer = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK && (string?)JsonNode.Parse(answer)?["data"]?["status"] == "cancelled"
                ? null : $"GET {c.IntentId}: {(int)response.StatusCode} {answer}";
        })).Concat(created.Where(c => c.Key is not null).Select(c => Check(async () =>
        {
            using var response = await after.SendAsync(Post("/api/platform/intents", c.Body, c.Key));
            var answer = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("Idempotent-Replayed") && answer == c.Answer
                ? null : $"replay of {c.Key} ({c.IntentId}): {(int)response.StatusCode} {answer}";
        }))).Concat(cancelled.Where(c => c.Key is not null).Select(c => Check(async () =>
        {
            using var response = await after.SendAsync(Post($"/api/platform/intents/{c.IntentId}/cancel", null, c.Key));
            var answer = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("Idempotent-Replayed") && answer == c.Answer
                ? null : $"replay of {c.Key} ({c.IntentId}): {(int)response.StatusCode} {answer}";
        })));
        await Task.WhenAll(checks);

        figures += $"; {lost.Count} lost; {wall.Elapsed.TotalSeconds:0.0} s in all";
        output.WriteLine(figures);
        Assert.True(lost.Count == 0, $"{figures}\nacknowledged but lost ({lost.Count}):\n{string.Join('\n', lost.Take(20))}\n{Output()}");
    }
}
