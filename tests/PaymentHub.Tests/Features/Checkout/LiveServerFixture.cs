using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>
/// PaymentHub on Kestrel at a real loopback port, because a browser can't reach
/// WebApplicationFactory's in-memory server. Same settings and movable clock as
/// <see cref="PaymentHubFactory"/>; payment_url points at this server.
/// </summary>
public class LiveServerFixture : PaymentHubFactory
{
    public LiveServerFixture()
    {
        Port = FreePort();
        BaseUrl = $"http://127.0.0.1:{Port}";
        UseKestrel(k => k.Listen(IPAddress.Loopback, Port));
        ClientOptions.BaseAddress = new Uri(BaseUrl);
        StartServer();
    }

    public int Port { get; }

    /// <summary>The server's base URL, e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("PAYMENTHUB_PUBLIC_URL", BaseUrl);
    }

    /// <summary>A client over real HTTP to the live server, sending the bootstrap test key.</summary>
    public HttpClient LiveApi()
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Add("X-Client-ID", ClientId);
        client.DefaultRequestHeaders.Add("X-Client-Secret", ClientSecret);
        return client;
    }

    // PAYMENTHUB_PUBLIC_URL must be known before the app starts, so the port is chosen up front
    // rather than letting Kestrel bind port 0.
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
