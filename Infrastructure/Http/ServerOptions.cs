using Microsoft.Extensions.Logging.Console;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// What the slim web builder leaves out and an operator of PaymentHub may still configure: the
/// standard ASP.NET Core settings for Kestrel and the console log, read from the same configuration.
/// </summary>
public static class ServerOptions
{
    public static WebApplicationBuilder AddServerOptions(this WebApplicationBuilder builder)
    {
        // HTTPS endpoints and their certificates in the "Kestrel" section (Kestrel:Endpoints:…:Certificate,
        // Kestrel:Certificates:Default), as the full builder reads them.
        builder.WebHost.UseKestrelHttpsConfiguration();
        // HTTP/3 needs the QUIC transport; only an endpoint that asks for it pays for loading it.
        if (AsksForHttp3(builder.Configuration)) UseQuic(builder.WebHost);

        // The slim builder's console log always uses the simple formatter; a configured one (json, systemd) wins, as before.
        if (builder.Configuration["Logging:Console:FormatterName"] is { Length: > 0 } formatter)
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = formatter);
        // Log events for dotnet-trace and dotnet-monitor (Microsoft-Extensions-Logging); nothing is written unless a tool listens.
        builder.Logging.AddEventSourceLogger();
        return builder;
    }

    // A method of its own: compiling the caller would otherwise load the QUIC transport's assembly on every start.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void UseQuic(IWebHostBuilder host) => host.UseQuic();

    /// <summary>Whether an endpoint, or every endpoint by default, is configured with HTTP/3 among its protocols.</summary>
    public static bool AsksForHttp3(IConfiguration configuration)
    {
        var kestrel = configuration.GetSection("Kestrel");
        return Http3(kestrel.GetSection("EndpointDefaults")) || kestrel.GetSection("Endpoints").GetChildren().Any(Http3);

        static bool Http3(IConfigurationSection endpoint) =>
            endpoint["Protocols"]?.Contains("Http3", StringComparison.OrdinalIgnoreCase) == true;
    }
}
