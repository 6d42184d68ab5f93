using System.Text;

namespace PaymentHub.Infrastructure.Idempotency;

/// <summary>
/// How an <c>Idempotency-Key</c>'s answer is stored. The API answers in compact JSON whose property
/// names are about 40 % of its bytes (<c>"intent_id":</c>, <c>"created_at":</c>, …), and the kept answer
/// is most of its key's row, so most of what a keyed request adds to its commit. Packed, each name of
/// the table below is one byte: an intent's answer of 980 bytes is kept in 587.
/// </summary>
/// <remarks>
/// A packed answer is <c>0x00</c>, the table's version (1), then the answer with each of the table's
/// strings replaced by one byte, 1 to 31 (entry 0 to 30). The answer itself has no byte below 0x20
/// (compact JSON escapes them), so unpacking is exact whatever the answer says. An answer that has such
/// a byte is stored as it is — or, when its first byte is 0x00, as <c>0x00 0x00</c> and the answer —
/// and everything not starting with 0x00 is an answer stored as it is, as were all before packing.
/// Version 1's table never changes (rows written with it are read back for a day); another table is
/// another version.
/// </remarks>
public static class KeptAnswers
{
    private const byte Version1 = 1;
    private const byte AsItIs = 0;

    /// <summary>Version 1: the success envelope's start, <c>null</c> (only as a property's value), and 29 property names of an intent.</summary>
    private static readonly byte[][] Table1 = Entries(
        """{"success":true,"data":{""", "null",
        "intent_id", "reference_id", "customer_ref_id", "status", "amount", "currency", "interval_days", "email", "name",
        "tax", "discount", "order_items", "quantity", "price", "metadata", "integration_type", "success_url", "cancel_url",
        "fail_url", "allowed_origins", "capture_method", "payment_url", "livemode", "expires_at", "created_at", "updated_at",
        "charges", "subscription", "type");

    private const byte EnvelopeEntry = 0;
    private const byte NullEntry = 1;
    private const byte FirstName = 2;

    /// <summary>The names' entries by the name's length (a name's entry is the name quoted, with a colon).</summary>
    private static readonly byte[][] NamesByLength = Enumerable.Range(0, Table1.Skip(FirstName).Max(e => e.Length - 3) + 1)
        .Select(length => Enumerable.Range(FirstName, Table1.Length - FirstName).Where(e => Table1[e].Length - 3 == length).Select(e => (byte)e).ToArray())
        .ToArray();

    private static byte[][] Entries(string envelope, string nullValue, params string[] names)
    {
        var entries = new[] { envelope, nullValue }.Concat(names.Select(n => $"\"{n}\":")).Select(Encoding.UTF8.GetBytes).ToArray();
        if (entries.Length != 31) throw new InvalidOperationException("The table has one entry per byte 1 to 31.");
        return entries;
    }

    /// <summary>The answer in the form it is stored.</summary>
    public static byte[] Pack(ReadOnlySpan<byte> answer)
    {
        if (answer.IsEmpty) return [];
        if (answer.IndexOfAnyInRange((byte)0x00, (byte)0x1F) >= 0)
            return answer[0] == 0x00 ? [0x00, AsItIs, .. answer] : answer.ToArray();

        // Never longer than the answer plus the two bytes in front: an entry replaces at least 4 bytes.
        var packed = new byte[answer.Length + 2];
        packed[0] = 0x00;
        packed[1] = Version1;
        var o = 2;
        var i = 0;
        if (answer.StartsWith(Table1[EnvelopeEntry]))
        {
            packed[o++] = EnvelopeEntry + 1;
            i = Table1[EnvelopeEntry].Length;
        }
        // Each quote followed by a colon ends a name; the table's names are replaced, the rest copied.
        while (true)
        {
            var end = answer[i..].IndexOf("\":"u8);
            if (end < 0) break;
            end += i;
            var from = Math.Max(i, end - 1 - LongestName);
            var open = answer[from..end].LastIndexOf((byte)'"');
            if (open >= 0 && NameEntry(answer[(from + open + 1)..end]) is { } entry)
            {
                open += from;
                answer[i..open].CopyTo(packed.AsSpan(o));
                o += open - i;
                packed[o++] = (byte)(entry + 1);
                i = end + 2;
                if (answer[i..].StartsWith(Table1[NullEntry]))
                {
                    packed[o++] = NullEntry + 1;
                    i += Table1[NullEntry].Length;
                }
            }
            else
            {
                answer[i..(end + 2)].CopyTo(packed.AsSpan(o));
                o += end + 2 - i;
                i = end + 2;
            }
        }
        answer[i..].CopyTo(packed.AsSpan(o));
        o += answer.Length - i;
        return packed.AsSpan(0, o).ToArray();
    }

    /// <summary>The answer as it was given, from its stored form.</summary>
    public static byte[] Unpack(byte[] stored)
    {
        if (stored.Length < 2 || stored[0] != 0x00) return stored;
        if (stored[1] == AsItIs) return stored[2..];
        if (stored[1] != Version1) throw new InvalidDataException($"A kept answer packed with table {stored[1]}, which this version does not know.");

        var packed = stored.AsSpan(2);
        if (packed.Contains((byte)0x00)) throw new InvalidDataException("A packed answer has a byte 0, which packing never writes.");
        var length = 0;
        foreach (var b in packed) length += b < 0x20 ? Table1[b - 1].Length : 1;
        var answer = new byte[length];
        var o = 0;
        foreach (var b in packed)
        {
            if (b < 0x20)
            {
                var entry = Table1[b - 1];
                entry.CopyTo(answer, o);
                o += entry.Length;
            }
            else answer[o++] = b;
        }
        return answer;
    }

    private static int LongestName => NamesByLength.Length - 1;

    private static byte? NameEntry(ReadOnlySpan<byte> name)
    {
        if (name.Length >= NamesByLength.Length) return null;
        foreach (var entry in NamesByLength[name.Length])
            if (Table1[entry].AsSpan(1, name.Length).SequenceEqual(name)) return entry;
        return null;
    }
}
