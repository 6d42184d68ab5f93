using System.Text.Json.Nodes;
using Dapper;
using System.Data.Common;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Intents.Contracts;

/// <summary>An intent as other modules see it while changing its state, inside a DbWriter unit of work.</summary>
public sealed record IntentSnapshot(
    string Id, string MerchantId, string Mode, string ReferenceId, string Status, string IntentType, long? IntervalDays,
    long Amount, string Currency, string CaptureMethod, string? Metadata, long ExpiresAt, string? CustomerRefId, string Email, string Name)
{
    public JsonNode MetadataNode() => Metadata is null ? new JsonObject() : JsonNode.Parse(Metadata)!;
}

/// <summary>Reading and moving an intent's status; the caller writes the log row and event in the same unit.</summary>
public static class IntentState
{
    private const string LoadSql = """
        SELECT id AS Id, merchant_id AS MerchantId, mode AS Mode, reference_id AS ReferenceId, status AS Status,
               intent_type AS IntentType, interval_days AS IntervalDays, amount AS Amount, currency AS Currency,
               capture_method AS CaptureMethod, metadata AS Metadata, expires_at AS ExpiresAt, customer_ref_id AS CustomerRefId,
               email AS Email, name AS Name
        FROM intents WHERE id = @IntentId
        """;

    private const string MoveSql = "UPDATE intents SET status = @To, updated_at = @Now WHERE id = @IntentId AND status = @From";

    /// <summary>The intent outside a unit of work (to look before a gateway call, never to decide a change).</summary>
    public static Task<IntentSnapshot?> ReadAsync(DbConnection c, string intentId) =>
        c.QuerySingleOrDefaultAsync<IntentSnapshot>(LoadSql, new { IntentId = intentId });

    /// <summary>The intent inside a unit of work, on the writer's prepared statement (renewals load one per charge).</summary>
    public static Task<IntentSnapshot?> LoadAsync(DbTx tx, string intentId) =>
        Task.FromResult(tx.SingleOrDefault<IntentSnapshot>(LoadSql, ("IntentId", intentId)));

    /// <summary>Moves the intent from <paramref name="from"/> to <paramref name="to"/>; false when it was not in <paramref name="from"/>.</summary>
    public static Task<bool> MoveAsync(DbTx tx, string intentId, string from, string to, DateTimeOffset now) =>
        Task.FromResult(tx.Execute(MoveSql, ("To", to), ("Now", now.ToUnixTimeMilliseconds()), ("IntentId", intentId), ("From", from)) == 1);
}
