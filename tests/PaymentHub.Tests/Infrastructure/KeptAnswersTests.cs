using System.Text;
using PaymentHub.Infrastructure.Idempotency;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The stored form of a kept answer: exact both ways, whatever the answer holds, and smaller for the API's JSON.</summary>
public sealed class KeptAnswersTests
{
    /// <summary>An intent's answer as the API writes it (980 bytes).</summary>
    private const string IntentAnswer = """{"success":true,"data":{"id":"pi_01a250d3-d92a-70e9-9beb-749d1fb88066","intent_id":"pi_01a250d3-d92a-70e9-9beb-749d1fb88066","reference_id":"bench-1765000000-1234567-1-1234","customer_ref_id":null,"status":"requires_payment","amount":"80.00","currency":"USD","type":"one_time","interval_days":null,"email":"customer@example.com","name":"John Doe","tax":null,"discount":null,"order_items":[{"name":"Product 1","quantity":1,"price":"50.00"},{"name":"Product 2","quantity":2,"price":"15.00"}],"metadata":{"order_id":"bench-1765000000-1234567-1-1234"},"integration_type":"url","success_url":"https://example.com/success","cancel_url":"https://example.com/cancel","fail_url":null,"allowed_origins":[],"capture_method":"automatic","payment_url":"http://127.0.0.1:5091/pay/-P8FoxZd_qJWvQEgxCATJav26HrE0SJW","livemode":false,"expires_at":"2026-12-08T14:06:30.697000Z","created_at":"2026-12-07T14:06:30.697000Z","updated_at":"2026-12-07T14:06:30.697000Z","charges":[],"subscription":null}}""";

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void AnIntentsAnswer_IsKeptInLittleMoreThanHalf_AndComesBackByteForByte()
    {
        var answer = Bytes(IntentAnswer);
        Assert.Equal(980, answer.Length);

        var stored = KeptAnswers.Pack(answer);

        Assert.Equal([0x00, 0x01], stored[..2]);
        Assert.InRange(stored.Length, 500, 600);
        Assert.Equal(answer, KeptAnswers.Unpack(stored));
    }

    [Theory]
    [InlineData("""{"success":false,"message":"Intent not found.","code":"intent_not_found","data":[]}""")]
    [InlineData("""{"message":"The given data was invalid.","errors":{"amount":["The amount must be at least 0.50."]}}""")]
    // The table's strings where they are not names: inside values, escaped, without their colon, at the very end.
    [InlineData("""{"note":"say \"status\": null","status" :1,"x":"null","amount":nullx,"type":""")]
    [InlineData("""["intent_id","status":"null":null"""+"\"")]
    [InlineData("\"")]
    [InlineData("null")]
    [InlineData("""{"success":true,"data":{""")]
    [InlineData("""{"success":true,"data":[]}""")]
    [InlineData("ünïcödé \"name\":\"Zoë\"")]
    public void AnyAnswer_ComesBackByteForByte(string answer)
    {
        var bytes = Bytes(answer);
        Assert.Equal(bytes, KeptAnswers.Unpack(KeptAnswers.Pack(bytes)));
    }

    [Fact]
    public void RandomAnswers_ComeBackByteForByte()
    {
        var random = new Random(11);
        var pieces = new[] { "\"status\":", "\"name\":", "null", "\"", ":", "{\"success\":true,\"data\":{", "a", "ü", "\\", " ", "\n", "\u0001", "\0" };
        for (var n = 0; n < 2000; n++)
        {
            var text = new StringBuilder();
            for (var p = random.Next(0, 12); p > 0; p--) text.Append(pieces[random.Next(pieces.Length)]);
            var bytes = Bytes(text.ToString());
            Assert.Equal(bytes, KeptAnswers.Unpack(KeptAnswers.Pack(bytes)));
        }
    }

    [Fact]
    public void AnAnswerWithControlBytes_IsKeptAsItIs_AndOneStartingWithZero_IsMarked()
    {
        var pretty = Bytes("{\n  \"status\": \"ok\"\n}");
        Assert.Equal(pretty, KeptAnswers.Pack(pretty));

        byte[] binary = [0x00, 0x01, 0x02, 0xFF];
        var stored = KeptAnswers.Pack(binary);
        Assert.Equal([0x00, 0x00, 0x00, 0x01, 0x02, 0xFF], stored);
        Assert.Equal(binary, KeptAnswers.Unpack(stored));

        Assert.Empty(KeptAnswers.Pack([]));
        Assert.Empty(KeptAnswers.Unpack([]));
    }

    [Fact]
    public void AnAnswerKeptBeforePacking_IsGivenAsItWasStored()
    {
        var old = Bytes(IntentAnswer);
        Assert.Same(old, KeptAnswers.Unpack(old));
    }

    [Fact]
    public void AnAnswerPackedWithAnUnknownTable_IsAnError_NotAWrongAnswer()
    {
        Assert.Throws<InvalidDataException>(() => KeptAnswers.Unpack([0x00, 0x02, (byte)'{', (byte)'}']));
        Assert.Throws<InvalidDataException>(() => KeptAnswers.Unpack([0x00, 0x01, (byte)'{', 0x00, (byte)'}']));
    }
}
