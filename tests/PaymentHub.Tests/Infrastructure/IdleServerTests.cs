namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// What a server that has only answered /health keeps in memory: none of the parts it serves on
/// request only. Every assembly the runtime loads, and every native library, is a file it maps, so
/// the process's memory map (Linux) lists them; each assembly loaded costs an idle server its
/// relocated data, the metadata read and the types laid out (bench/README.md, "Idle memory, a third
/// pass"), and OpenSSL about 4 MB ("A twelfth pass").
/// </summary>
public sealed class IdleServerTests : IAsyncLifetime
{
    private readonly string _data = PaymentHubFactory.NewDataPath();
    private readonly ServerProcesses _servers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit disposes a test class through IAsyncLifetime; the server process must not outlive the test.
    public async Task DisposeAsync()
    {
        await _servers.DisposeAsync();
        PaymentHubFactory.DeleteData(_data);
    }

    /// <summary>The files mapped by the process, by name.</summary>
    private static HashSet<string> Mapped(System.Diagnostics.Process process) =>
        File.ReadLines($"/proc/{process.Id}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && fields[5].StartsWith('/'))
            .Select(fields => Path.GetFileName(fields[5]))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The assemblies mapped by the process, by file name.</summary>
    private static HashSet<string> Loaded(System.Diagnostics.Process process) =>
        Mapped(process).Where(name => name.EndsWith(".dll", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

    private static bool IsOpenSsl(string file) => IsLibrary(file, "libssl") || IsLibrary(file, "libcrypto");

    private static bool IsLibrary(string file, string name) => file.StartsWith(name + ".so", StringComparison.Ordinal);

    [LinuxSqliteFact]
    public async Task AfterStartAndAHealthCheck_WhatOnlyARequestNeeds_IsNotLoaded()
    {
        var (process, origin) = await _servers.StartAsync(new Dictionary<string, string>
        {
            ["PAYMENTHUB_DATA"] = _data,
            ["Logging__LogLevel__Default"] = "Warning",
        });
        using var http = new HttpClient();
        (await http.GetAsync(origin + "/health")).EnsureSuccessStatusCode();

        var loaded = Loaded(process);
        Assert.Contains("Microsoft.AspNetCore.Server.Kestrel.Core.dll", loaded);
        // The command-line parser (no command was given), the QUIC transport (no endpoint asks for
        // HTTP/3), IIS integration, and the API reference (nobody asked for it).
        Assert.DoesNotContain("System.CommandLine.dll", loaded);
        Assert.DoesNotContain("System.Net.Quic.dll", loaded);
        Assert.DoesNotContain("Microsoft.AspNetCore.Server.Kestrel.Transport.Quic.dll", loaded);
        Assert.DoesNotContain("Microsoft.AspNetCore.Server.IIS.dll", loaded);
        Assert.DoesNotContain("Scalar.AspNetCore.dll", loaded);

        // The reference is there when asked for.
        (await http.GetAsync(origin + "/docs/")).EnsureSuccessStatusCode();
        Assert.Contains("Scalar.AspNetCore.dll", Loaded(process));
    }

    [LinuxSqliteFact]
    public async Task ARestartOnItsData_LoadsOpenSsl_OnlyWhenARequestNeedsIt()
    {
        var environment = new Dictionary<string, string>
        {
            ["PAYMENTHUB_DATA"] = _data,
            ["PAYMENTHUB_BOOTSTRAP_CLIENT_ID"] = "pk_test_idle",
            ["PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET"] = "sk_test_idle_secret",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // A first start hashes the first API keys and the admin password, and creates the key ring's
        // key: it needs OpenSSL (libssl and libcrypto, about 4 MB resident once loaded).
        var (first, _) = await _servers.StartAsync(environment);
        Assert.Contains(Mapped(first), f => IsLibrary(f, "libssl"));
        Assert.Contains(Mapped(first), f => IsLibrary(f, "libcrypto"));
        first.Kill();
        await first.WaitForExitAsync();

        // A restart on that data folder needs none of that until a request does.
        var (process, origin) = await _servers.StartAsync(environment);
        using var http = new HttpClient();
        (await http.GetAsync(origin + "/health")).EnsureSuccessStatusCode();
        Assert.DoesNotContain(Mapped(process), IsOpenSsl);

        // An API request has its key's hash checked.
        using var request = new HttpRequestMessage(HttpMethod.Get, origin + "/api/platform/intents");
        request.Headers.Add("X-Client-ID", "pk_test_idle");
        request.Headers.Add("X-Client-Secret", "sk_test_idle_secret");
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
        var mapped = Mapped(process);
        Assert.Contains(mapped, f => IsLibrary(f, "libssl"));
        Assert.Contains(mapped, f => IsLibrary(f, "libcrypto"));
    }
}

/// <summary>The runtime settings every start of PaymentHub reads (its runtimeconfig.json, embedded in the published file).</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void StartUpOnlyMethods_KeepTheirPrecompiledCode_ForAThousandCalls()
    {
        // Beside the assembly the test servers run (dotnet PaymentHub.dll), as the SDK writes it for every build.
        var file = Path.ChangeExtension(typeof(Program).Assembly.Location, ".runtimeconfig.json");
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.Equal(1000, properties.GetProperty("System.Runtime.TieredCompilation.CallCountThreshold").GetInt32());
        // Server GC (DATAS) stays: workstation GC held more memory after load (bench/README.md).
        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
    }
}

/// <summary>A test that reads a Linux process's memory map, on a SQLite server: skipped elsewhere.</summary>
public sealed class LinuxSqliteFactAttribute : FactAttribute
{
    public LinuxSqliteFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "reads /proc/<pid>/maps: Linux only";
        else if (TestDatabases.Postgres) Skip = "a SQLite server only; this run is on PostgreSQL";
    }
}
