using System.Runtime.InteropServices;
using PaymentHub.Infrastructure;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The C heap's trim (glibc's <c>malloc_trim</c>), and the service that runs it once a minute.</summary>
public sealed class NativeHeapTests
{
    /// <summary>The process's anonymous resident memory, in bytes (Linux).</summary>
    private static long RssAnon() =>
        File.ReadLines("/proc/self/status").Where(line => line.StartsWith("RssAnon:", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).Single();

    [Fact]
    public void Trim_GivesTheFreeMemoryInsideAnArena_BackToTheSystem()
    {
        if (!OperatingSystem.IsLinux()) return;
        // 1,024 blocks of 64 KB, which malloc serves from an arena (under its 128 KB mmap threshold), one
        // after another; every other one is freed. A freed block can neither merge with its neighbours,
        // still in use, nor reach the arena's top, where free() alone would give it back.
        const int blocks = 1024, size = 64 * 1024;
        long before = 0, freed = 0, trimmed = 0;
        var trimRan = false;
        // On a thread of its own, as the runtime's tier-up thread: the blocks come from that thread's arena.
        var thread = new Thread(() =>
        {
            var pointers = new nint[blocks];
            var ones = new byte[size];
            Array.Fill(ones, (byte)1);
            for (var i = 0; i < blocks; i++)
            {
                pointers[i] = Marshal.AllocHGlobal(size); // malloc
                Marshal.Copy(ones, 0, pointers[i], size); // resident
            }
            before = RssAnon();
            for (var i = 1; i < blocks; i += 2) Marshal.FreeHGlobal(pointers[i]);
            freed = RssAnon();
            trimRan = NativeHeap.Trim();
            trimmed = RssAnon();
            for (var i = 0; i < blocks; i += 2) Marshal.FreeHGlobal(pointers[i]);
        });
        thread.Start();
        thread.Join();

        // 32 MB freed stays resident; trimmed, most of it goes (other tests run beside this one, so with room).
        Assert.True(trimRan);
        Assert.True(before - freed < 8L << 20, $"free() alone gave back {(before - freed) >> 20} MB");
        Assert.True(freed - trimmed > 24L << 20, $"the trim gave back {(freed - trimmed) >> 20} MB of 32");
    }

    [Fact]
    public async Task TheService_TrimsAtEachTick_AndStopsWhereThereIsNoTrim()
    {
        var calls = 0;
        var twice = new TaskCompletionSource();
        using var service = new NativeHeapTrim(TimeProvider.System, TimeSpan.FromMilliseconds(20), () =>
        {
            if (Interlocked.Increment(ref calls) == 2) twice.SetResult();
            return calls < 3; // the third call finds no trim
        });
        await service.StartAsync(CancellationToken.None);
        await twice.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10)); // ends by itself after the third
        Assert.Equal(3, calls);
        await Task.Delay(100);
        Assert.Equal(3, calls);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TheService_StopsWithTheHost()
    {
        var ticks = 0;
        using var service = new NativeHeapTrim(TimeProvider.System, TimeSpan.FromMilliseconds(20), () => Interlocked.Increment(ref ticks) > 0);
        await service.StartAsync(CancellationToken.None);
        while (Volatile.Read(ref ticks) == 0) await Task.Delay(10); // waiting for its next tick
        await service.StopAsync(CancellationToken.None);
        Assert.Equal(TaskStatus.RanToCompletion, service.ExecuteTask!.Status);
    }
}
