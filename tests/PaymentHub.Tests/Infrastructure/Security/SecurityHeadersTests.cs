using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using PaymentHub.Tests.Features.Admin;
using PaymentHub.Tests.Features.Checkout;

namespace PaymentHub.Tests.Infrastructure.Security;

/// <summary>Headers on every kind of answer: API JSON, errors, pages, the reference, the job dashboard.</summary>
public sealed class SecurityHeadersTests(LiveServerFixture app) : IClassFixture<LiveServerFixture>
{
    private HttpClient Anonymous() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(app.BaseUrl) };

    public static TheoryData<string, string?> Requests() => new()
    {
        { "/api/platform/intents", "key" },
        { "/api/platform/intents", null },          // 401
        { "/api/platform/intents/pi_nope", "key" }, // 404
        { "/api/platform/nothing", "key" },         // routing's 404
        { "/api/checkout/nope", null },
        { "/pay/nope", null },
        { "/docs/", null },
        { "/docs/scalar.js", null },
        { "/health", null },
        { "/", null },
        { "/admin/jobs", null },
        { "/openapi/v1.json", null },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task EveryResponse_IsNosniff_WithoutAServerHeader(string path, string? key)
    {
        var response = await (key is null ? Anonymous() : app.LiveApi()).GetAsync(path);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(response.Headers.Contains("Server"), $"{path} sent a Server header");
    }

    [Theory]
    [InlineData("/api/platform/intents", true)]
    [InlineData("/api/platform/intents", false)]
    [InlineData("/api/platform/intents/pi_nope", true)]
    [InlineData("/api/checkout/nope", false)]
    public async Task ApiAnswers_AreNotStored(string path, bool withKey)
    {
        var response = await (withKey ? app.LiveApi() : Anonymous()).GetAsync(path);

        Assert.True(response.Headers.CacheControl?.NoStore, $"{path} is missing Cache-Control: no-store");
    }

    [Theory]
    [InlineData("/pay/no-such-token", "frame-ancestors 'none'")]
    [InlineData("/", "default-src 'none'")]
    [InlineData("/docs/", "connect-src 'self'")]
    [InlineData("/admin/login", "style-src 'self'")]
    [InlineData("/admin/jobs", "default-src 'self'")]
    public async Task HtmlPages_CarryAPolicyAndReferrerPolicy(string path, string policyPart)
    {
        var response = await (await AdminClient.SignInAsync(app)).GetAsync(path);

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains(policyPart, policy);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Hsts_IsSentOverHttpsOnly()
    {
        await using var inMemory = new PaymentHubFactory();
        var https = inMemory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        var plain = inMemory.CreateClient();

        Assert.True((await https.GetAsync("/health")).Headers.Contains("Strict-Transport-Security"));
        Assert.False((await plain.GetAsync("/health")).Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task NonAsciiIdempotencyKey_GetsTheJsonEnvelope_NotAnEmpty400()
    {
        var (status, body) = await RawPost("/api/platform/intents", "Idempotency-Key: ключ-1", new IntentBuilder().Json());

        Assert.Equal(400, status);
        Assert.Contains("\"code\":\"invalid_idempotency_key\"", body);
    }

    [Fact]
    public async Task NonAsciiClientId_GetsThe401Envelope()
    {
        var (status, body) = await RawPost("/api/platform/intents", "X-Client-ID: pk_test_ключ", new IntentBuilder().Json(), withKey: false);

        Assert.Equal(401, status);
        Assert.Equal(Envelopes.InvalidApiKey, body);
    }

    /// <summary>A request written by hand, so a header value can be UTF-8 (HttpClient would refuse it).</summary>
    private async Task<(int Status, string Body)> RawPost(string path, string extraHeader, string json, bool withKey = true)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, app.Port);
        await using var stream = tcp.GetStream();
        var payload = Encoding.UTF8.GetBytes(json);
        var keys = withKey ? $"X-Client-ID: {PaymentHubFactory.ClientId}\r\nX-Client-Secret: {PaymentHubFactory.ClientSecret}\r\n" : "";
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{keys}{extraHeader}\r\nContent-Type: application/json\r\n" +
                   $"Content-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head));
        await stream.WriteAsync(payload);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ')[1]);
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var (headers, rest) = (response[..split], response[(split + 4)..]);
        return (status, headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Unchunk(rest) : rest);
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..lineEnd], 16);
            if (size == 0) return body.ToString();
            body.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
