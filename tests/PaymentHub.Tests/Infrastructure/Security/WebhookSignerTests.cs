using System.Text;
using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Tests.Infrastructure.Security;

public sealed class WebhookSignerTests
{
    [Fact]
    public void Sign_StandardWebhooksTestVector_GivesThePublishedSignature()
    {
        // The example of the Standard Webhooks specification.
        var signature = WebhookSigner.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
            Encoding.UTF8.GetBytes("""{"test": 2432232314}"""));

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void XSignature_TheOlderGatewaysPublishedExample_GivesItsHash()
    {
        // The worked example of the gateway API whose x-signature receivers may still check:
        // the payload as JSON.stringify writes it, followed by the signature password.
        const string payload = """{"transaction_id":"r21nmrtpcmrcava","user_id":"1111222","tracking_id":"b8f04416-116a-11ed-861d-0242ac120002","status":"rejected","currency":"GBP","amount":"200.00","transaction_type":"withdrawal"}""";

        var hash = WebhookSigner.XSignature("spg_test_companyxxxxQyGAheyMqcHVmp8ZMQtkYcev27sCu7RF", Encoding.UTF8.GetBytes(payload));

        Assert.Equal("5FDDA8F46411C132DCFBEE53C39BA06298CB48BC", hash);
    }

    [Fact]
    public void SignatureHeader_WithTwoSecrets_CarriesOneSignatureEach_SpaceSeparated()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var (a, b) = (WebhookSigner.NewSecret(), WebhookSigner.NewSecret());

        var header = WebhookSigner.SignatureHeader([a, b], "evt_1", 1700000000, body);

        Assert.Equal($"{WebhookSigner.Sign(a, "evt_1", 1700000000, body)} {WebhookSigner.Sign(b, "evt_1", 1700000000, body)}", header);
    }

    [Fact]
    public void NewSecret_IsWhsecAndBase64OfTwentyFourRandomBytes()
    {
        var secret = WebhookSigner.NewSecret();

        Assert.StartsWith("whsec_", secret);
        Assert.Equal(24, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.NotEqual(secret, WebhookSigner.NewSecret());
    }
}
