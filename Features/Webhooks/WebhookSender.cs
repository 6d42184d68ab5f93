using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Features.Webhooks;

/// <summary>Webhook settings (<c>PaymentHub:Webhooks:…</c>); docs/operations.md lists them.</summary>
public sealed class WebhookOptions
{
    /// <summary>How long one attempt may take, connecting included, before it counts as failed.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Let live-mode endpoints reach loopback, private and link-local addresses (test mode always may).</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Attempts in flight at once in this process.</summary>
    public int MaxConcurrentSends { get; set; } = 64;

    /// <summary>Attempts in flight at once to one endpoint, so a slow receiver can't take every slot.</summary>
    public int MaxConcurrentSendsPerEndpoint { get; set; } = 16;

    public TimeSpan Timeout => TimeSpan.FromSeconds(Math.Clamp(TimeoutSeconds, 1, 120));

    /// <summary>How long a claim on a delivery holds: well past the longest attempt, so only a crashed sender's claims expire.</summary>
    public TimeSpan Lease => Timeout + TimeSpan.FromSeconds(30);
}

/// <summary>A delivery claimed for one attempt, with what it takes to send it.</summary>
public sealed class ClaimedDelivery
{
    public long Id { get; init; }
    public required string EndpointId { get; init; }
    public long Attempts { get; init; }
    public required string EventId { get; init; }
    public required string EventType { get; init; }
    public required string Payload { get; init; }
    public required string Url { get; init; }
    public required string Mode { get; init; }
    public required string SecretProtected { get; init; }
    public string? PreviousSecretProtected { get; init; }
    public long? PreviousSecretExpiresAt { get; init; }
    public bool XSignature { get; init; }

    /// <summary>The claim's token (webhook_deliveries.locked_by): only its holder records the outcome.</summary>
    public string Token { get; set; } = "";

    public bool IsPing => EventType == EventTypes.Ping;
}

/// <summary>What one attempt came to. Only a 2xx status is a success.</summary>
public sealed record AttemptResult(DateTimeOffset At, int? StatusCode, TimeSpan Latency, string? Excerpt, string? Error, TimeSpan? RetryAfter)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends one delivery: a POST of the event's payload, signed per Standard Webhooks (and with
/// x-signature when the endpoint asked for it). Live-mode endpoints go through a client whose
/// connections reach public addresses only, checked after name resolution.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, WebhookSecrets secrets, IOptions<WebhookOptions> options, TimeProvider clock)
{
    /// <summary>The HTTP client for endpoints that may reach public addresses only.</summary>
    public const string PublicClient = "webhooks-public";
    /// <summary>The HTTP client for endpoints that may reach any address (test mode, or when the setting allows it).</summary>
    public const string AnyAddressClient = "webhooks-any";
    public const int ExcerptBytes = 1024;
    private const string UserAgent = "PaymentHub-Webhooks/1.0";

    public async Task<AttemptResult> SendAsync(ClaimedDelivery d)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var body = Encoding.UTF8.GetBytes(d.Payload);
        var timestamp = now.ToUnixTimeSeconds();
        var secret = secrets.Unprotect(d.EndpointId, d.SecretProtected);
        List<string> signing = [secret];
        if (d.PreviousSecretProtected is { } previous && d.PreviousSecretExpiresAt > now.ToUnixTimeMilliseconds())
            signing.Add(secrets.Unprotect(d.EndpointId, previous));

        using var request = new HttpRequestMessage(HttpMethod.Post, d.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.TryAddWithoutValidation("webhook-id", d.EventId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSigner.SignatureHeader(signing, d.EventId, timestamp, body));
        if (d.XSignature) request.Headers.TryAddWithoutValidation("x-signature", WebhookSigner.XSignature(secret, body));

        var client = clients.CreateClient(d.Mode == "live" ? PublicClient : AnyAddressClient);
        // One deadline for connecting, the answer's headers and its excerpt.
        using var deadline = new CancellationTokenSource(settings.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var latency = Stopwatch.GetElapsedTime(started);
            var excerpt = await ExcerptAsync(response, deadline.Token);
            return new AttemptResult(now, (int)response.StatusCode, latency, excerpt, null, RetryAfter(response, now));
        }
        catch (OperationCanceledException)
        {
            return Failed($"timed out after {settings.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return Failed(Describe(ex));
        }

        AttemptResult Failed(string error) => new(now, null, Stopwatch.GetElapsedTime(started), null, error, null);
    }

    /// <summary>The answer's first kilobyte, as text; an answer cut short is still an answer.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = new byte[ExcerptBytes];
        var read = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0) read += n;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // Keep what arrived.
        }
        if (read == 0) return null;
        // A multi-byte character cut at the limit is dropped rather than shown as garbage.
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return read == ExcerptBytes ? text.TrimEnd('\uFFFD') : text;
    }

    /// <summary>Retry-After, in seconds or as a date, as a delay from now.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };

    private static string Describe(HttpRequestException ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is AddressRefusedException refused) return refused.Message;
            if (e is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData => "host not found",
                    SocketError.TimedOut => "connection timed out",
                    _ => $"network error: {socket.SocketErrorCode}",
                };
        }
        return ex.Message.Length > 500 ? ex.Message[..500] : ex.Message;
    }
}
