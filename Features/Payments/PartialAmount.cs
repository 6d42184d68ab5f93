using System.Reflection;
using FluentValidation;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments;

/// <summary>What a merchant's operation on a payment (capture, refund) needs: the writer, the gateway and the way to call it, money and time.</summary>
public sealed record GatewayOperation([FromServices] DbWriter Writer, [FromServices] IGatewayResolver Gateways, [FromServices] GatewayCalls Calls, [FromServices] Currencies Currencies, [FromServices] IMerchantClock Clock);

/// <summary>The intent named in a capture's or refund's route, and the API client asking.</summary>
public sealed record PaymentTarget(string IntentId, Caller Caller)
{
    public static async ValueTask<PaymentTarget> FromAsync(HttpContext ctx, ParameterInfo parameter) =>
        new((string)ctx.GetRouteValue("intent_id")!, (await Caller.BindAsync(ctx, parameter))!);

    /// <summary>The intent's currency; null when the caller has no such intent (the handler then answers 404).</summary>
    public async Task<Currency?> CurrencyAsync(Db db, Currencies currencies)
    {
        await using var connection = await db.OpenReadAsync();
        var intent = await IntentState.ReadAsync(connection, IntentId);
        return intent is null || intent.MerchantId != Caller.MerchantId || intent.Mode != Caller.Mode ? null : currencies.Get(intent.Currency);
    }
}

/// <summary>The optional smaller amount of a capture or refund.</summary>
public static class PartialAmount
{
    /// <summary>
    /// A number in the intent's currency: no more decimals than the currency has, at least its
    /// smallest unit. How much may still be taken is the handler's to check, against the database.
    /// </summary>
    public static IRuleBuilderOptionsConditions<T, FlexNumber?> PartialAmountOf<T>(this IRuleBuilder<T, FlexNumber?> rule,
        Func<T, PaymentTarget> target, Db db, Currencies currencies) =>
        rule.CustomAsync(async (value, ctx, _) =>
        {
            if (value is not { } requested) return;
            if (await target(ctx.InstanceToValidate).CurrencyAsync(db, currencies) is not { } currency) return;
            if (!requested.IsNumber)
                ctx.AddFailure(Messages.Numeric);
            else if (requested.Decimals > currency.Exponent)
                ctx.AddFailure($"The :attribute must not have more than {currency.Exponent} decimal places.");
            else if (requested.Value <= Rules.MaxMoney && Amounts.ToMinor(requested.Value!.Value, currency.Exponent) < 1)
                ctx.AddFailure($"The :attribute must be at least {Amounts.Format(1, currency.Exponent)}.");
        });

    /// <summary>Why a valid <paramref name="requested"/> amount can't be taken from <paramref name="limit"/> (named <paramref name="limitName"/>), or null.</summary>
    public static string? OverLimit(FlexNumber requested, long limit, string limitName, Currency currency) =>
        requested.Value > Rules.MaxMoney || Amounts.ToMinor(requested.Value!.Value, currency.Exponent) > limit
            ? $"The amount must not be greater than the {limitName} {Amounts.Format(limit, currency.Exponent)}."
            : null;
}
