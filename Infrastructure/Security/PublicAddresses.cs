using System.Net;
using System.Net.Sockets;

namespace PaymentHub.Infrastructure.Security;

/// <summary>
/// Which addresses a merchant-given URL may make PaymentHub connect to. A URL is the merchant's
/// choice, so without a rule anyone with an API key could make the server call its own loopback
/// services, the private network behind it, or the cloud's metadata service (which hands out
/// credentials). Only public unicast addresses pass.
/// </summary>
public static class PublicAddresses
{
    /// <summary>True for a public unicast address; false for loopback, private, link-local, shared, metadata, multicast and reserved ones.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork) return IsPublicV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (address.Equals(IPAddress.IPv6Loopback) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None)) return false;
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast) return false;
        var b = address.GetAddressBytes();
        // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that is what gets reached.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0) return IsPublicV4(b[12..]);
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0) return IsPublicV4(b[12..]);
        if (b[0] == 0x20 && b[1] == 0x02) return IsPublicV4(b[2..6]);
        // 2001:db8::/32 is for documentation only.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;
        return true;
    }

    private static bool IsPublicV4(ReadOnlySpan<byte> b) => !(
        b[0] == 0                                        // 0.0.0.0/8 "this network"
        || b[0] == 10                                    // 10/8 private
        || (b[0] == 100 && (b[1] & 0xC0) == 64)          // 100.64/10 shared (carrier NAT; Alibaba's metadata 100.100.100.200)
        || b[0] == 127                                   // loopback
        || (b[0] == 169 && b[1] == 254)                  // link-local, with the metadata service 169.254.169.254
        || (b[0] == 172 && (b[1] & 0xF0) == 16)          // 172.16/12 private
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // 192.0.0/24 protocol assignments
        || (b[0] == 192 && b[1] == 0 && b[2] == 2)       // documentation
        || (b[0] == 192 && b[1] == 168)                  // 192.168/16 private
        || (b[0] == 198 && (b[1] & 0xFE) == 18)          // 198.18/15 benchmarking
        || (b[0] == 198 && b[1] == 51 && b[2] == 100)    // documentation
        || (b[0] == 203 && b[1] == 0 && b[2] == 113)     // documentation
        || (b[0] == 168 && b[1] == 63 && b[2] == 129 && b[3] == 16) // Azure's host endpoint (metadata, DNS)
        || b[0] >= 224);                                 // multicast, reserved, broadcast

    /// <summary>
    /// Why a URL's host may not be called, or null when it may: an address literal is checked as it
    /// is; a name is refused when it is <c>localhost</c> or resolves to any address that is not
    /// public. A name that does not resolve passes (it can be checked again when it is called).
    /// </summary>
    public static async Task<string?> RefusalAsync(Uri url, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken ct)
    {
        var host = url.IdnHost.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal))
            return IsPublic(literal) ? null : $"{literal} is not a public address";
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return $"{host} is the local machine";
        IPAddress[] addresses;
        try
        {
            addresses = await resolve(host, ct);
        }
        catch (SocketException)
        {
            return null;
        }
        return addresses.FirstOrDefault(a => !IsPublic(a)) is { } blocked ? $"{host} resolves to {blocked}, which is not a public address" : null;
    }
}

/// <summary>Raised instead of connecting when a host's addresses are not public: the attempt fails, and says why.</summary>
public sealed class AddressRefusedException(string message) : IOException(message);

/// <summary>Name resolution for outgoing calls, replaceable so tests can play a DNS server that changes its answers.</summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

public sealed class SystemHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>
/// The connect step of an outgoing <see cref="SocketsHttpHandler"/> that reaches public addresses
/// only. It resolves the host itself, refuses when any address is not public, and connects to the
/// addresses it checked: the check and the connection see the same answer, so a name that resolves
/// to a public address when checked and to a private one when called (DNS rebinding) gets nowhere.
/// </summary>
public static class PublicOnlyConnect
{
    /// <param name="publicOnly">false: any address may be reached (test mode, or an operator's explicit choice).</param>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Callback(IHostResolver resolver, bool publicOnly) =>
        async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolver.ResolveAsync(host, ct);
            if (addresses.Length == 0) throw new AddressRefusedException($"{host} has no address");
            if (publicOnly && addresses.FirstOrDefault(a => !PublicAddresses.IsPublic(a)) is { } blocked)
                throw new AddressRefusedException($"refused to connect: {host} resolves to {blocked}, which is not a public address");
            return await ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
        };

    private static async ValueTask<Stream> ConnectAsync(IPAddress[] addresses, int port, CancellationToken ct)
    {
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
