using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Intents.Contracts;

/// <summary>Who caused an entry of an intent's log.</summary>
public static class Actor
{
    public const string Api = "api";
    public const string Customer = "customer";
    public const string System = "system";
    public const string Admin = "admin";
    public const string Gateway = "gateway";
}

/// <summary>The intent's event log. Write inside the transaction of the change it records.</summary>
public static class IntentLog
{
    private const string InsertSql = """
        INSERT INTO intent_logs (intent_id, event_type, message, actor_type, created_at)
        VALUES (@IntentId, @EventType, @Message, @ActorType, @CreatedAt)
        """;

    public static Task WriteAsync(DbTx tx, string intentId, string eventType, string message, string actorType, DateTimeOffset now)
    {
        tx.Execute(InsertSql, ("IntentId", intentId), ("EventType", eventType), ("Message", message), ("ActorType", actorType),
            ("CreatedAt", now.ToUnixTimeMilliseconds()));
        return Task.CompletedTask;
    }
}

/// <summary>The states of an intent's life cycle (docs/api.md, "Intent life cycle").</summary>
public static class IntentStatus
{
    public const string RequiresPayment = "requires_payment";
    public const string Processing = "processing";
    public const string RequiresCapture = "requires_capture";
    public const string Succeeded = "succeeded";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
    public const string Failed = "failed";

    public static readonly IReadOnlySet<string> All = new HashSet<string>
        { RequiresPayment, Processing, RequiresCapture, Succeeded, Cancelled, Expired, Failed };

    public static bool IsTerminal(string status) => status is Succeeded or Cancelled or Expired or Failed;
}
