using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments;

/// <summary>What a merchant's operation on a payment (capture, refund) needs: the writer, the gateway, money and time.</summary>
public sealed record GatewayOperation(DbWriter Writer, IGatewayResolver Gateways, Currencies Currencies, TimeProvider Clock);

/// <summary>The optional smaller amount of a capture or refund.</summary>
public static class PartialAmount
{
    /// <summary>Why <paramref name="requested"/> can't be taken from <paramref name="limit"/> (named <paramref name="limitName"/>), or null.</summary>
    public static string? Problem(FlexNumber requested, long limit, string limitName, Currency currency)
    {
        if (!requested.IsNumber) return "The amount must be a number.";
        if (requested.Decimals > currency.Exponent) return $"The amount must not have more than {currency.Exponent} decimal places.";
        if (requested.Value > Rules.MaxMoney) return $"The amount must not be greater than the {limitName} {Amounts.Format(limit, currency.Exponent)}.";
        var minor = Amounts.ToMinor(requested.Value!.Value, currency.Exponent);
        if (minor < 1) return $"The amount must be at least {Amounts.Format(1, currency.Exponent)}.";
        if (minor > limit) return $"The amount must not be greater than the {limitName} {Amounts.Format(limit, currency.Exponent)}.";
        return null;
    }
}
