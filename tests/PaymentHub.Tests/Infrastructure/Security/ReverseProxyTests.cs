using System.Net;
using Microsoft.AspNetCore.Hosting;
using PaymentHub.Tests.Features.Admin;
using PaymentHub.Tests.Features.Checkout;

namespace PaymentHub.Tests.Infrastructure.Security;

/// <summary>PaymentHub behind a TLS proxy on this machine: loopback is a known proxy, and there is no configured public URL.</summary>
public sealed class BehindProxyFixture : LiveServerFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("PAYMENTHUB_PUBLIC_URL", "");
        builder.UseSetting("PAYMENTHUB_KNOWN_PROXIES", "127.0.0.1, ::1/128");
    }
}

/// <summary>No proxy configured and no public URL: forwarded headers must change nothing.</summary>
public sealed class NoProxyFixture : LiveServerFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("PAYMENTHUB_PUBLIC_URL", "");
    }
}

public sealed class ReverseProxyTests(BehindProxyFixture proxied, NoProxyFixture direct)
    : IClassFixture<BehindProxyFixture>, IClassFixture<NoProxyFixture>
{
    private static HttpRequestMessage Forwarded(HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = Http.Json(json);
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "pay.shop.example");
        return request;
    }

    [Fact]
    public async Task FromAKnownProxy_PaymentUrlUsesThePublicHttpsOrigin_AndHstsIsSent()
    {
        var response = await proxied.LiveApi().SendAsync(Forwarded(HttpMethod.Post, "/api/platform/intents", new IntentBuilder().Json()));

        var data = await Envelopes.AssertOk(response);
        Assert.StartsWith("https://pay.shop.example/pay/", (string)data["payment_url"]!);
        Assert.True(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task FromAKnownProxy_CheckoutRedirectsAndCookiesAreHttps()
    {
        var intent = await proxied.LiveApi().CreateIntentAsync();
        var page = await new HttpClient { BaseAddress = new Uri(proxied.BaseUrl) }
            .SendAsync(Forwarded(HttpMethod.Get, $"/pay/{IntentCalls.Token(intent)}"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ph_af=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=none", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task WithoutTheSetting_ForwardedHeadersAreIgnored()
    {
        var response = await direct.LiveApi().SendAsync(Forwarded(HttpMethod.Post, "/api/platform/intents", new IntentBuilder().Json()));

        var data = await Envelopes.AssertOk(response);
        Assert.StartsWith($"{direct.BaseUrl}/pay/", (string)data["payment_url"]!);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task JobDashboard_FromLoopback_NeedsTheAdminSignIn_LikeFromAnywhereElse()
    {
        var viaProxy = await new HttpClient { BaseAddress = new Uri(direct.BaseUrl) }.SendAsync(Forwarded(HttpMethod.Get, "/admin/jobs"));
        var local = await new HttpClient { BaseAddress = new Uri(direct.BaseUrl) }.GetAsync("/admin/jobs");
        var admin = await AdminClient.SignInAsync(direct);

        Assert.Equal(HttpStatusCode.Unauthorized, viaProxy.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, local.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/jobs")).StatusCode);
    }

    [Fact]
    public async Task FromAKnownProxy_TheAdminCookieIsSecure()
    {
        // The anti-forgery cookie is Secure over the proxy's https, so it is carried by hand to this plain-http port.
        var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(proxied.BaseUrl) };
        var page = await http.SendAsync(Forwarded(HttpMethod.Get, "/admin/login"));
        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ph_af=", StringComparison.Ordinal)).Split(';')[0];
        var (_, hidden) = AdminClient.FindForm(await page.Content.ReadAsStringAsync(), "sign-in")!.Value;
        var signIn = Forwarded(HttpMethod.Post, "/admin/login");
        signIn.Headers.Add("Cookie", antiforgery);
        signIn.Content = new FormUrlEncodedContent([.. hidden.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)),
            new("Form.Username", "admin"), new("Form.Password", AdminClient.AdminPassword)]);

        var response = await http.SendAsync(signIn);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith("https://pay.shop.example/admin", response.Headers.Location!.ToString());
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ph_admin=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }
}
