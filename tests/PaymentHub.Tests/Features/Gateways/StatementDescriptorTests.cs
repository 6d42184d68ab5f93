using Dapper;
using PaymentHub.Features.Gateways.Nmi;
using PaymentHub.Tests.Features.Payments;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Gateways;

/// <summary>The merchant's statement descriptor (admin panel, Settings) reaches NMI with each live sale.</summary>
public sealed class StatementDescriptorTests(ShortNmiTimeoutFactory app) : LiveModeTests(app)
{
    [Fact]
    public async Task ALiveSale_CarriesTheMerchantsDescriptor()
    {
        await App.WriteAsync(tx => tx.Connection.ExecuteAsync("UPDATE merchants SET statement_descriptor = 'ACME COFFEE' WHERE id = @MerchantId",
            new { Live.Client.MerchantId }, tx.Transaction));
        var (_, path) = await Live.CreateIntentAsync(new IntentBuilder());

        await Live.PayWithTokenAsync(path);

        Assert.Equal("sale", Nmi.LastTransact["type"]);
        Assert.Equal("ACME COFFEE", Nmi.LastTransact[NmiAccount.DescriptorField]);
    }

    [Fact]
    public async Task WithoutADescriptor_NoneIsSent_AndTheAccountsOwnApplies()
    {
        var (_, path) = await Live.CreateIntentAsync(new IntentBuilder().With("capture_method", "manual"));

        await Live.PayWithTokenAsync(path);

        Assert.Equal("auth", Nmi.LastTransact["type"]);
        Assert.False(Nmi.LastTransact.ContainsKey(NmiAccount.DescriptorField));
    }
}
