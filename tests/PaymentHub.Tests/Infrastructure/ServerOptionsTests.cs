using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// The server is built by the slim web builder; what an operator could configure with the full one
/// still works: HTTPS endpoints from the Kestrel section, HTTP/3 when an endpoint asks for it, the
/// console log's formatter.
/// </summary>
public sealed class ServerOptionsTests
{
    /// <summary>PaymentHub on a fresh data folder (deleted at dispose) with these settings.</summary>
    private sealed class With(params (string Key, string Value)[] settings) : PaymentHubFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }

    [Fact]
    public async Task WithoutHttp3InTheConfiguration_NoQuicTransportIsSetUp()
    {
        await using var app = new With();

        Assert.Empty(app.Services.GetServices<IMultiplexedConnectionListenerFactory>());
    }

    [Theory]
    [InlineData("Kestrel:EndpointDefaults:Protocols")]
    [InlineData("Kestrel:Endpoints:Public:Protocols")]
    public async Task AnEndpointAskingForHttp3_GetsTheQuicTransport_WhereTheMachineHasMsQuic(string key)
    {
        await using var app = new With((key, "Http1AndHttp2AndHttp3"));

        // Kestrel's QUIC transport registers itself only where libmsquic loads; elsewhere HTTP/3 is skipped, as before.
#pragma warning disable CA1416 // QuicListener.IsSupported answers on every platform
        Assert.Equal(System.Net.Quic.QuicListener.IsSupported, app.Services.GetServices<IMultiplexedConnectionListenerFactory>().Any());
#pragma warning restore CA1416
    }

    [Theory]
    [InlineData("Kestrel:EndpointDefaults:Protocols", "Http1AndHttp2AndHttp3", true)]
    [InlineData("Kestrel:Endpoints:Public:Protocols", "http3", true)]
    [InlineData("Kestrel:Endpoints:Public:Protocols", "Http1AndHttp2", false)]
    [InlineData("Kestrel:Endpoints:Public:Url", "https://*:443", false)]
    public void Http3_IsAskedFor_ByAnEndpointsProtocols(string key, string value, bool asks)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build();

        Assert.Equal(asks, PaymentHub.Infrastructure.Http.ServerOptions.AsksForHttp3(configuration));
    }

    [Fact]
    public async Task TheConsoleFormatter_ComesFromTheConfiguration_SimpleByDefault()
    {
        await using var plain = new With();
        await using var json = new With(("Logging:Console:FormatterName", "json"));

        Assert.Equal("simple", plain.Services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName);
        Assert.Equal("json", json.Services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName);
    }

    [SqliteFact]
    public async Task AnHttpsEndpoint_FromTheKestrelSection_AnswersOverTls()
    {
        var data = PaymentHubFactory.NewDataPath();
        Directory.CreateDirectory(data);
        var pfx = Path.Combine(data, "server.pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        }
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["PAYMENTHUB_DATA"] = data,
                ["Logging__LogLevel__Default"] = "Warning",
                ["PaymentHub__Jobs__Server"] = "false",
                ["Kestrel__Endpoints__Tls__Url"] = $"https://127.0.0.1:{port}",
                ["Kestrel__Endpoints__Tls__Certificate__Path"] = pfx,
                ["Kestrel__Endpoints__Tls__Certificate__Password"] = "pfx-password",
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
            var ready = Stopwatch.StartNew();
            HttpResponseMessage? response = null;
            while (response is null)
            {
                if (process.HasExited) Assert.Fail($"the server exited: {await errors}");
                Assert.True(ready.Elapsed < TimeSpan.FromSeconds(60), "the server did not answer over https");
                try
                {
                    response = await http.GetAsync($"https://127.0.0.1:{port}/health");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            _ = await output;
            PaymentHubFactory.DeleteData(data);
        }
    }
}
