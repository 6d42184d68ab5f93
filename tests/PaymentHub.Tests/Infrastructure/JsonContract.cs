using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Compares a response to a checked-in expected file under Contracts/. Volatile fields (ids, tokens,
/// timestamps) are checked against their format and then replaced by a placeholder, so the file holds
/// the stable shape and values only. On a mismatch the masked actual JSON is written beside the
/// expected file in the output folder as *.received.json, to review and copy over.
/// </summary>
public static class JsonContract
{
    private sealed record Mask(Regex Format, string Placeholder);

    private static readonly Mask IntentId = new(new Regex("^pi_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"), "(intent_id)");
    private static readonly Mask Timestamp = new(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"), "(timestamp)");

    private static readonly Dictionary<string, Mask> Volatile = new()
    {
        ["id"] = IntentId,
        ["intent_id"] = IntentId,
        ["payment_url"] = new(new Regex("^https://pay\\.example\\.test/pay/[A-Za-z0-9_-]{32}$"), "(payment_url)"),
        ["created_at"] = Timestamp,
        ["updated_at"] = Timestamp,
        ["expires_at"] = Timestamp,
    };

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    /// <summary>A copy of <paramref name="node"/> with every volatile field checked and masked.</summary>
    public static JsonNode? Masked(JsonNode? node)
    {
        var copy = node?.DeepClone();
        MaskInPlace(copy);
        return copy;
    }

    private static void MaskInPlace(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (Volatile.TryGetValue(key, out var mask) && value is JsonValue v && v.TryGetValue<string>(out var text))
                    {
                        Assert.True(mask.Format.IsMatch(text), $"'{key}' = '{text}' does not match {mask.Format}");
                        obj[key] = mask.Placeholder;
                    }
                    else MaskInPlace(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array) MaskInPlace(item);
                break;
        }
    }

    public static async Task AssertMatches(string contract, HttpResponseMessage response)
    {
        var actual = Masked(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
        var expectedPath = Path.Combine(AppContext.BaseDirectory, "Contracts", contract + ".json");
        var receivedPath = Path.ChangeExtension(expectedPath, ".received.json");
        var expected = File.Exists(expectedPath) ? JsonNode.Parse(await File.ReadAllTextAsync(expectedPath)) : null;

        if (expected is not null && JsonNode.DeepEquals(expected, actual))
        {
            // Same members in the same order: field order is part of what clients see.
            Assert.Equal(expected.ToJsonString(Pretty), actual!.ToJsonString(Pretty));
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(receivedPath)!);
        await File.WriteAllTextAsync(receivedPath, actual!.ToJsonString(Pretty));
        Assert.Fail($"""
            The response does not match the contract {contract}.json; the received JSON is in {receivedPath}.
            Expected:
            {expected?.ToJsonString(Pretty) ?? "(no contract file)"}
            Received:
            {actual!.ToJsonString(Pretty)}
            """);
    }
}
