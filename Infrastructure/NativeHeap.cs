using System.Runtime.InteropServices;

namespace PaymentHub.Infrastructure;

/// <summary>
/// The C heap (glibc's malloc) of the process, which the runtime's compiler, SQLite and OpenSSL allocate from.
/// </summary>
internal static class NativeHeap
{
    /// <summary>
    /// Gives the free memory of every malloc arena back to the system (<c>malloc_trim(0)</c>); false
    /// where the C library has no such call (not Linux, or a libc other than glibc).
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            malloc_trim(0);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // "libc" is the platform's C library to the runtime's loader (libc.so.6 on glibc).
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}

/// <summary>
/// Trims the C heap once a minute. Without it an idle server's memory kept growing, by 1–1.5 MB a
/// minute (92–93 MB ten seconds after start, 103–110 MB ten minutes later): the runtime's tier-up
/// thread exits when it has nothing to do and is started again whenever the recurring jobs make more
/// methods hot, glibc hands each new thread one of its malloc arenas (up to eight per core), and what
/// the compiler freed into them stayed with the process. Trimmed, the same server grew about half as
/// much (bench/README.md, "An eleventh pass"). The service stops for good where the C library has no
/// <c>malloc_trim</c>, or where a trim fails: memory housekeeping never stops the server. A hosted
/// service rather than a recurring job: every process needs its own trim, where Hangfire runs a
/// recurring job on one instance, and not at all on an instance without the job server.
/// </summary>
internal sealed class NativeHeapTrim(TimeProvider clock, TimeSpan? interval = null, Func<bool>? trim = null) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Func<bool> _trim = trim ?? NativeHeap.Trim;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval ?? Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                if (!_trim()) return;
        }
        catch (Exception)
        {
            // Stopping (the wait is cancelled), or a trim failed: that ends the trims, not the host,
            // which a background service's failure would stop.
        }
    }
}
