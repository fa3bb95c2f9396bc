using System.Net;
using System.Net.Sockets;

namespace Coordination.Core.Webhooks;

/// <summary>What kind of address a webhook target resolved to; every kind but <see cref="Public"/> is refused by default.</summary>
public enum TargetAddressKind
{
    /// <summary>A public internet address: allowed.</summary>
    Public,

    /// <summary>0.0.0.0/8 or <c>::</c>: "this host", which reaches local services.</summary>
    Unspecified,

    /// <summary>127.0.0.0/8 or <c>::1</c>.</summary>
    Loopback,

    /// <summary>RFC 1918 (10/8, 172.16/12, 192.168/16) or deprecated IPv6 site-local (fec0::/10).</summary>
    Private,

    /// <summary>169.254/16 or fe80::/10.</summary>
    LinkLocal,

    /// <summary>IPv6 unique-local fc00::/7.</summary>
    UniqueLocal,

    /// <summary>224/4 or ff00::/8.</summary>
    Multicast,

    /// <summary>Carrier-grade NAT shared space 100.64/10 (RFC 6598).</summary>
    SharedAddressSpace,

    /// <summary>A cloud's instance metadata or platform endpoint (169.254.169.254, 168.63.129.16, 100.100.100.200, fd00:ec2::254).</summary>
    CloudMetadata,

    /// <summary>255.255.255.255.</summary>
    Broadcast,

    /// <summary>Reserved, benchmarking, documentation and protocol-assignment ranges (240/4, 198.18/15, 192.0.0/24, …).</summary>
    Reserved,
}

/// <summary>
/// Classifies the addresses a webhook may be delivered to. IPv6 forms that carry an IPv4 address (mapped
/// <c>::ffff:a.b.c.d</c>, compatible <c>::a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c> and Teredo
/// <c>2001::/32</c>) are judged by the IPv4 address they carry, so <c>::ffff:127.0.0.1</c> is loopback.
/// </summary>
public static class TargetAddresses
{
    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"),   // AWS, Azure IMDS, GCP, Oracle, DigitalOcean
        IPAddress.Parse("168.63.129.16"),     // Azure's platform endpoint (wire server, DNS, health probes)
        IPAddress.Parse("100.100.100.200"),   // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"),     // AWS IMDS over IPv6
    ];

    /// <summary>The kind of <paramref name="address"/>.</summary>
    /// <param name="address">An IPv4 or IPv6 address.</param>
    public static TargetAddressKind Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } carried)
        {
            return Classify(carried);
        }
        if (MetadataAddresses.Any(m => m.Equals(address)))
        {
            return TargetAddressKind.CloudMetadata;
        }
        return address.AddressFamily == AddressFamily.InterNetwork ? ClassifyIPv4(address.GetAddressBytes()) : ClassifyIPv6(address.GetAddressBytes());
    }

    /// <summary>True when a delivery may connect to <paramref name="address"/>: a public address, or any when private targets are allowed.</summary>
    /// <param name="address">The address.</param>
    /// <param name="allowPrivateTargets">The local-use setting that allows every address.</param>
    public static bool IsAllowed(IPAddress address, bool allowPrivateTargets) => allowPrivateTargets || Classify(address) == TargetAddressKind.Public;

    private static TargetAddressKind ClassifyIPv4(byte[] b) => (b[0], b[1], b[2], b[3]) switch
    {
        (0, _, _, _) => TargetAddressKind.Unspecified,
        (10, _, _, _) or (172, >= 16 and <= 31, _, _) or (192, 168, _, _) => TargetAddressKind.Private,
        (127, _, _, _) => TargetAddressKind.Loopback,
        (169, 254, _, _) => TargetAddressKind.LinkLocal,
        (100, >= 64 and <= 127, _, _) => TargetAddressKind.SharedAddressSpace,
        (>= 224 and <= 239, _, _, _) => TargetAddressKind.Multicast,
        (255, 255, 255, 255) => TargetAddressKind.Broadcast,
        (>= 240, _, _, _) => TargetAddressKind.Reserved,
        (192, 0, 0, _) or (192, 0, 2, _) or (198, 51, 100, _) or (203, 0, 113, _) or (198, 18 or 19, _, _) or (192, 88, 99, _) => TargetAddressKind.Reserved,
        _ => TargetAddressKind.Public,
    };

    private static TargetAddressKind ClassifyIPv6(byte[] b)
    {
        if (b.All(x => x == 0))
        {
            return TargetAddressKind.Unspecified;
        }
        if (b.Take(15).All(x => x == 0) && b[15] == 1)
        {
            return TargetAddressKind.Loopback;
        }
        return b[0] switch
        {
            0xff => TargetAddressKind.Multicast,
            0xfc or 0xfd => TargetAddressKind.UniqueLocal,
            0xfe when (b[1] & 0xc0) == 0x80 => TargetAddressKind.LinkLocal,
            0xfe when (b[1] & 0xc0) == 0xc0 => TargetAddressKind.Private,                        // fec0::/10, deprecated site-local
            0x20 when b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 => TargetAddressKind.Reserved,  // 2001:db8::/32 documentation
            0x01 when b[1] == 0x00 && b.Skip(2).Take(6).All(x => x == 0) => TargetAddressKind.Reserved,   // 100::/64 discard
            0x00 when b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01 => TargetAddressKind.Private,   // 64:ff9b:1::/48 local NAT64
            _ => TargetAddressKind.Public,
        };
    }

    /// <summary>The IPv4 address an IPv6 address carries, for the forms that route to it; null for a native IPv6 address.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        // ::a.b.c.d (deprecated IPv4-compatible), but not :: or ::1.
        if (b.Take(12).All(x => x == 0) && (b[12] | b[13]) != 0)
        {
            return new IPAddress(b[12..16]);
        }
        // 64:ff9b::/96, the well-known NAT64 prefix: the last 32 bits.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0))
        {
            return new IPAddress(b[12..16]);
        }
        // 2002:AABB:CCDD::/48, 6to4: the IPv4 address is bits 16–47.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b[2..6]);
        }
        // 2001:0000::/32, Teredo: the client's IPv4 address is the last 32 bits, inverted.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            return new IPAddress(b[12..16].Select(x => (byte)~x).ToArray());
        }
        return null;
    }
}
