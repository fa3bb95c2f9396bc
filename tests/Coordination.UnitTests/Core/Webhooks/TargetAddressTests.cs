using System.Net;
using Coordination.Core.Webhooks;

namespace Coordination.UnitTests.Core.Webhooks;

/// <summary>The SSRF guard's address classes, in IPv4 and IPv6, including IPv6 forms that carry an IPv4 address.</summary>
public sealed class TargetAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", TargetAddressKind.Loopback)]
    [InlineData("127.255.0.9", TargetAddressKind.Loopback)]
    [InlineData("::1", TargetAddressKind.Loopback)]
    [InlineData("0.0.0.0", TargetAddressKind.Unspecified)]
    [InlineData("0.1.2.3", TargetAddressKind.Unspecified)]
    [InlineData("::", TargetAddressKind.Unspecified)]
    [InlineData("10.1.2.3", TargetAddressKind.Private)]
    [InlineData("172.16.0.1", TargetAddressKind.Private)]
    [InlineData("172.31.255.254", TargetAddressKind.Private)]
    [InlineData("192.168.1.1", TargetAddressKind.Private)]
    [InlineData("fec0::1", TargetAddressKind.Private)]
    [InlineData("64:ff9b:1::a", TargetAddressKind.Private)]
    [InlineData("169.254.1.1", TargetAddressKind.LinkLocal)]
    [InlineData("fe80::1", TargetAddressKind.LinkLocal)]
    [InlineData("febf::1", TargetAddressKind.LinkLocal)]
    [InlineData("fc00::1", TargetAddressKind.UniqueLocal)]
    [InlineData("fd12:3456::1", TargetAddressKind.UniqueLocal)]
    [InlineData("224.0.0.1", TargetAddressKind.Multicast)]
    [InlineData("239.255.255.250", TargetAddressKind.Multicast)]
    [InlineData("ff02::1", TargetAddressKind.Multicast)]
    [InlineData("100.64.0.1", TargetAddressKind.SharedAddressSpace)]
    [InlineData("100.127.255.254", TargetAddressKind.SharedAddressSpace)]
    [InlineData("169.254.169.254", TargetAddressKind.CloudMetadata)]
    [InlineData("168.63.129.16", TargetAddressKind.CloudMetadata)]
    [InlineData("100.100.100.200", TargetAddressKind.CloudMetadata)]
    [InlineData("fd00:ec2::254", TargetAddressKind.CloudMetadata)]
    [InlineData("255.255.255.255", TargetAddressKind.Broadcast)]
    [InlineData("240.0.0.1", TargetAddressKind.Reserved)]
    [InlineData("198.18.0.1", TargetAddressKind.Reserved)]
    [InlineData("192.0.2.10", TargetAddressKind.Reserved)]
    [InlineData("2001:db8::1", TargetAddressKind.Reserved)]
    public void Each_refused_range_is_classified_by_its_kind(string address, TargetAddressKind kind)
    {
        Assert.Equal(kind, TargetAddresses.Classify(IPAddress.Parse(address)));
        Assert.False(TargetAddresses.IsAllowed(IPAddress.Parse(address), allowPrivateTargets: false));
        Assert.True(TargetAddresses.IsAllowed(IPAddress.Parse(address), allowPrivateTargets: true));
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", TargetAddressKind.Loopback)]          // IPv4-mapped
    [InlineData("::ffff:169.254.169.254", TargetAddressKind.CloudMetadata)]
    [InlineData("::ffff:10.0.0.5", TargetAddressKind.Private)]
    [InlineData("::127.0.0.1", TargetAddressKind.Loopback)]               // IPv4-compatible (deprecated)
    [InlineData("::10.0.0.5", TargetAddressKind.Private)]
    [InlineData("64:ff9b::7f00:1", TargetAddressKind.Loopback)]           // NAT64 well-known prefix, 127.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe", TargetAddressKind.CloudMetadata)]   // NAT64, 169.254.169.254
    [InlineData("2002:7f00:1::1", TargetAddressKind.Loopback)]            // 6to4 of 127.0.0.1
    [InlineData("2002:c0a8:101::1", TargetAddressKind.Private)]           // 6to4 of 192.168.1.1
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", TargetAddressKind.Loopback)]   // Teredo, client 127.0.0.1 inverted
    public void Ipv6_forms_that_carry_an_ipv4_address_are_judged_by_it(string address, TargetAddressKind kind)
    {
        Assert.Equal(kind, TargetAddresses.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]              // just past 172.16/12
    [InlineData("100.128.0.1")]             // just past 100.64/10
    [InlineData("169.253.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2002:808:808::1")]         // 6to4 of a public address
    [InlineData("64:ff9b::808:808")]        // NAT64 of a public address
    public void Public_addresses_are_allowed_in_every_form(string address)
    {
        Assert.Equal(TargetAddressKind.Public, TargetAddresses.Classify(IPAddress.Parse(address)));
        Assert.True(TargetAddresses.IsAllowed(IPAddress.Parse(address), allowPrivateTargets: false));
    }
}
