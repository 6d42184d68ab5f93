using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// PaymentHub servers as processes of their own (<c>dotnet PaymentHub.dll</c>: the host runs the app
/// in its own process, so killing it kills the server itself, not a wrapper), each on a free port,
/// their output kept for failure messages, all killed at dispose.
/// </summary>
public sealed class ServerProcesses : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();

    /// <summary>Every process started, in order.</summary>
    public List<Process> All { get; } = [];

    /// <summary>The processes' last lines of output (warnings and errors), for failure messages.</summary>
    public string Output() => string.Join('\n', _output.TakeLast(40));

    /// <summary>Starts a server with <paramref name="environment"/> and returns once its /health answers.</summary>
    public async Task<(Process Process, string Origin)> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var origin = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", origin])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = Process.Start(start)!;
        All.Add(process);
        var instance = All.Count - 1;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) _output.Enqueue($"[{instance}] {line}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) _output.Enqueue($"[{instance}] {line}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        var ready = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await http.GetAsync(origin + "/health")).IsSuccessStatusCode) return (process, origin);
            }
            catch (HttpRequestException) { }
            Assert.False(process.HasExited, $"instance {instance} exited with {(process.HasExited ? process.ExitCode : 0)}\n{Output()}");
            Assert.True(ready.Elapsed < TimeSpan.FromSeconds(60), $"instance {instance} did not start\n{Output()}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in All)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
