using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PaymentHub.Tests.Features.Webhooks;

/// <summary>
/// A merchant's webhook receiver on a real loopback port. It records every request and checks its
/// signatures with its own code, written from the Standard Webhooks description (HMAC-SHA256 of
/// "id.timestamp.body" keyed with the base64 part of the whsec_ secret), not with PaymentHub's.
/// What it answers is up to the test (<see cref="Answer"/>).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, int> _seen = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>A request as it arrived: <see cref="Arrived"/> is a <see cref="Stopwatch"/> timestamp.</summary>
    public sealed record Received(long Arrived, string Id, string Timestamp, string Signature, string? XSignature, string Body, int Attempt)
    {
        public JsonNode Json => JsonNode.Parse(Body)!;
        public string Type => (string)Json["event"]!;
    }

    /// <summary>How to answer: status code, optional delay, optional Retry-After, optional body.</summary>
    public sealed record Reply(int Status = 200, TimeSpan Delay = default, string? RetryAfter = null, string Body = "ok");

    /// <summary>Decides the answer to a request; the default answers 200 at once. Attempt counts requests with the same webhook-id, from 1.</summary>
    public Func<Received, Reply> Answer { get; set; } = _ => new Reply();

    public string Url => _app.Urls.Single().TrimEnd('/') + "/hook";

    public IReadOnlyList<Received> Requests => [.. _received];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var arrived = Stopwatch.GetTimestamp();
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var id = ctx.Request.Headers["webhook-id"].ToString();
        var received = new Received(arrived, id, ctx.Request.Headers["webhook-timestamp"].ToString(),
            ctx.Request.Headers["webhook-signature"].ToString(), ctx.Request.Headers["x-signature"].FirstOrDefault(), body,
            _seen.AddOrUpdate(id, 1, (_, n) => n + 1));
        _received.Enqueue(received);
        var reply = Answer(received);
        if (reply.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(reply.Delay, ctx.RequestAborted); } catch (OperationCanceledException) { return; }
        }
        ctx.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is not null) ctx.Response.Headers.RetryAfter = reply.RetryAfter;
        await ctx.Response.WriteAsync(reply.Body);
    }

    /// <summary>Waits until <paramref name="done"/> holds for the requests so far.</summary>
    public async Task<IReadOnlyList<Received>> WaitAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan? timeout = null)
    {
        var until = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds * Stopwatch.Frequency);
        while (!done(Requests))
        {
            if (Stopwatch.GetTimestamp() > until) throw new TimeoutException($"The receiver got {Requests.Count} requests: {string.Join(", ", Requests.Select(r => r.Type))}");
            await Task.Delay(10);
        }
        return Requests;
    }

    /// <summary>True when the webhook-signature header carries a valid v1 signature made with <paramref name="secret"/>.</summary>
    public static bool SignedWith(Received r, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{r.Id}.{r.Timestamp}.{r.Body}")));
        return r.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal))
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }

    /// <summary>The older scheme: uppercase hex SHA-1 of the body followed by the secret.</summary>
    public static string ExpectedXSignature(Received r, string secret) =>
        Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(r.Body + secret)));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
