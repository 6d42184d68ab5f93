using System.Net;
using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Tests.Infrastructure.Security;

public sealed class PublicAddressesTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.10")]
    [InlineData("169.254.169.254")]
    [InlineData("100.100.100.200")]
    [InlineData("168.63.129.16")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fc00::5")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:7f00:1::")]
    public void IsPublic_LoopbackPrivateLinkLocalAndMetadata_AreNot(string address) =>
        Assert.False(PublicAddresses.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void IsPublic_PublicUnicast_Is(string address) =>
        Assert.True(PublicAddresses.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://api.localhost/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://rebind.example/hook")]
    public async Task RefusalAsync_LocalLiteralsNamesAndResolvedAddresses_AreRefused(string url)
    {
        var why = await PublicAddresses.RefusalAsync(new Uri(url), Resolve, CancellationToken.None);

        Assert.NotNull(why);
    }

    [Fact]
    public async Task RefusalAsync_ANameWithPublicAddressesOnly_Passes() =>
        Assert.Null(await PublicAddresses.RefusalAsync(new Uri("https://shop.example/hook"), Resolve, CancellationToken.None));

    private static Task<IPAddress[]> Resolve(string host, CancellationToken ct) => Task.FromResult(host switch
    {
        "rebind.example" => new[] { IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.7") },
        _ => [IPAddress.Parse("93.184.216.34")],
    });
}
