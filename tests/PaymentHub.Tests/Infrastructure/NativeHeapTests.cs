using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using PaymentHub.Infrastructure;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The C heap's trim (glibc's <c>malloc_trim</c>), and the service that runs it once a minute.</summary>
public sealed class NativeHeapTests
{
    [GlibcFact]
    public void Trim_GivesTheFreePagesInsideAnArena_BackToTheSystem()
    {
        // 1,024 blocks of 64 KB, which malloc serves from an arena (under its 128 KB mmap threshold), one
        // after another; every other one is freed, the last one kept. A freed block can neither merge with
        // its neighbours, still in use, nor reach the arena's top, where free() alone would give it back.
        const int blocks = 1024, size = 64 * 1024;
        var pageSize = Environment.SystemPageSize;
        int residentAfterFree = 0, residentAfterTrim = 0, pages = 0;
        var trimRan = false;
        Exception? failure = null;
        // On a thread of its own, as the runtime's tier-up thread.
        var thread = new Thread(() =>
        {
            try
            {
                var pointers = new nint[blocks];
                var ones = new byte[size];
                Array.Fill(ones, (byte)1);
                for (var i = 0; i < blocks; i++)
                {
                    pointers[i] = Marshal.AllocHGlobal(size); // malloc
                    Marshal.Copy(ones, 0, pointers[i], size); // resident
                }
                var freedBlocks = Enumerable.Range(0, blocks).Where(i => i % 2 == 0).Select(i => pointers[i]).ToList();
                foreach (var pointer in freedBlocks) Marshal.FreeHGlobal(pointer);
                // The whole pages inside each freed block (malloc keeps its own bookkeeping at a block's start).
                var inside = freedBlocks.Select(p => (Start: (p + 64 + pageSize - 1) / pageSize * pageSize, End: (p + size) / pageSize * pageSize)).ToList();
                pages = inside.Sum(r => (int)((r.End - r.Start) / pageSize));
                residentAfterFree = inside.Sum(r => Resident(r.Start, r.End, pageSize));
                trimRan = NativeHeap.Trim();
                residentAfterTrim = inside.Sum(r => Resident(r.Start, r.End, pageSize));
                for (var i = 1; i < blocks; i += 2) Marshal.FreeHGlobal(pointers[i]);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();

        Assert.True(trimRan);
        Assert.True(pages > blocks / 2 * 14, $"{pages} whole pages inside the freed blocks");
        // free() alone keeps them resident (a page or two may be reused by other threads meanwhile)...
        Assert.True(residentAfterFree > pages * 9 / 10, $"{residentAfterFree} of {pages} pages resident after free()");
        // ...and the trim gives them back (some may be reused at once by allocations on other threads).
        Assert.True(residentAfterTrim < pages / 10, $"{residentAfterTrim} of {pages} pages resident after the trim");
    }

    /// <summary>How many pages of [start, end) are resident (mincore).</summary>
    private static int Resident(nint start, nint end, int pageSize)
    {
        if (end <= start) return 0;
        var vector = new byte[(end - start) / pageSize];
        if (mincore(start, (nuint)(end - start), vector) != 0) throw new InvalidOperationException($"mincore failed: {Marshal.GetLastPInvokeError()}");
        return vector.Count(b => (b & 1) != 0);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mincore(nint address, nuint length, byte[] vector);

    [Fact]
    public async Task TheService_TrimsAtEachTick_AndStopsWhereThereIsNoTrim()
    {
        var calls = 0;
        using var service = new NativeHeapTrim(TimeProvider.System, TimeSpan.FromMilliseconds(20), () => Interlocked.Increment(ref calls) < 3);
        await service.StartAsync(CancellationToken.None);
        // The third call finds no trim, and the service ends by itself.
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, calls);
        await Task.Delay(100);
        Assert.Equal(3, calls);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AFailingTrim_EndsTheTrims_NotTheHost()
    {
        using var service = new NativeHeapTrim(TimeProvider.System, TimeSpan.FromMilliseconds(20), () => throw new InvalidOperationException("no trim"));
        await service.StartAsync(CancellationToken.None);
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TaskStatus.RanToCompletion, service.ExecuteTask.Status);
    }

    [Fact]
    public async Task TheService_StopsWithTheHost()
    {
        var ticked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var service = new NativeHeapTrim(TimeProvider.System, TimeSpan.FromMilliseconds(20), () => ticked.TrySetResult() || true);
        await service.StartAsync(CancellationToken.None);
        await ticked.Task.WaitAsync(TimeSpan.FromSeconds(10)); // in its loop, waiting for the next tick
        await service.StopAsync(CancellationToken.None);
        Assert.Equal(TaskStatus.RanToCompletion, service.ExecuteTask!.Status);
    }
}

/// <summary>A test of glibc's C heap: skipped where the C library is not glibc (or not Linux).</summary>
public sealed class GlibcFactAttribute : FactAttribute
{
    public GlibcFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "glibc's malloc: Linux only";
        else if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "malloc_trim", out _))
            Skip = "glibc's malloc_trim: not this C library";
    }
}
