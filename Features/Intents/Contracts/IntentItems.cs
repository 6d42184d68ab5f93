using Dapper;
using System.Data.Common;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Intents.Contracts;

/// <summary>An order item as stored: price in minor units of the intent's currency.</summary>
public sealed record IntentItemRow(string IntentId, long Position, string Name, long Quantity, long Price);

/// <summary>The order items of intents, in the order the merchant sent them.</summary>
public static class IntentItems
{
    private const string Select = "SELECT intent_id AS IntentId, position AS Position, name AS Name, quantity AS Quantity, price AS Price FROM intent_items";
    private const string ForIntentSql = Select + " WHERE intent_id = @IntentId ORDER BY position";
    private const string ForIntentsSql = Select + " WHERE intent_id IN @Ids ORDER BY intent_id, position";

    public static async Task<List<IntentItemRow>> ForIntentAsync(DbConnection c, string intentId, CancellationToken ct) =>
        (await c.QueryAsync<IntentItemRow>(new CommandDefinition(ForIntentSql, new { IntentId = intentId }, cancellationToken: ct))).ToList();

    public static async Task<ILookup<string, IntentItemRow>> ForIntentsAsync(DbConnection c, IReadOnlyCollection<string> intentIds, CancellationToken ct) =>
        (await c.QueryAsync<IntentItemRow>(new CommandDefinition(c.Lists(ForIntentsSql), new { Ids = intentIds.ToArray() }, cancellationToken: ct))).ToLookup(i => i.IntentId);
}
