using Hangfire.Common;
using Hangfire.Storage;
using PaymentHub.Infrastructure.Idempotency;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Tests.Infrastructure.Jobs;

/// <summary>
/// Recurring jobs are declared with a <see cref="Job"/> built directly instead of from an expression
/// (which compiled a lambda at every start). Hangfire must store exactly what the expression gave,
/// or a PostgreSQL storage shared with an older version would see every recurring job as changed.
/// </summary>
public sealed class RecurringJobCallTests
{
    [Fact]
    public void Call_IsTheJobOfTheExpression_AndSerializesTheSame()
    {
        var direct = JobsSetup.Call<IdempotencyPurge>();
        var expression = AsDeclaredBefore<IdempotencyPurge>();

        Assert.Equal(expression.Type, direct.Type);
        Assert.Equal(expression.Method, direct.Method);
        Assert.Equal(expression.Args, direct.Args);
        Assert.Equal(expression.Queue, direct.Queue);
        var a = InvocationData.SerializeJob(expression);
        var b = InvocationData.SerializeJob(direct);
        Assert.Equal((a.Type, a.Method, a.ParameterTypes, a.Arguments, a.Queue), (b.Type, b.Method, b.ParameterTypes, b.Arguments, b.Queue));
    }

    /// <summary>The expression as AddRecurringJob wrote it, over its type parameter (so its method is the interface's).</summary>
    private static Job AsDeclaredBefore<TJob>() where TJob : class, IRecurringJob =>
        Job.FromExpression<TJob>(job => job.RunAsync(CancellationToken.None));
}
