using Coordination.Core.Webhooks;

namespace Coordination.UnitTests.Core.Webhooks;

/// <summary>Standard Webhooks signing: the specification's example, rotation headers, and secret checks.</summary>
public sealed class WebhookSignatureTests
{
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public void The_signature_of_the_specifications_example_matches_it()
    {
        var signature = WebhookSignature.Sign(SpecSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", DateTimeOffset.FromUnixTimeSeconds(1614265330), """{"test": 2432232314}""");

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void During_a_rotation_the_header_carries_one_signature_per_secret_and_the_timestamp_in_seconds()
    {
        var next = WebhookSignature.NewSecret();
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000).AddMilliseconds(750);

        var headers = WebhookSignature.Headers([next, SpecSecret], "evt_1", at, "{}").ToDictionary();

        Assert.Equal("evt_1", headers["webhook-id"]);
        Assert.Equal("1800000000", headers["webhook-timestamp"]);
        Assert.Equal([WebhookSignature.Sign(next, "evt_1", at, "{}"), WebhookSignature.Sign(SpecSecret, "evt_1", at, "{}")], headers["webhook-signature"].Split(' '));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]   // no prefix
    [InlineData("whsec_not base64!")]
    [InlineData("whsec_c2hvcnQ=")]                      // 5 bytes: too short to be a key
    public void A_malformed_secret_is_refused(string? secret)
    {
        Assert.False(WebhookSignature.IsValidSecret(secret));
        Assert.Throws<ArgumentException>(() => WebhookSignature.Sign(secret!, "evt_1", DateTimeOffset.UnixEpoch, "{}"));
    }

    [Fact]
    public void New_secrets_are_valid_and_different()
    {
        var secrets = Enumerable.Range(0, 20).Select(_ => WebhookSignature.NewSecret()).ToList();

        Assert.All(secrets, s => Assert.True(WebhookSignature.IsValidSecret(s), s));
        Assert.Equal(20, secrets.Distinct().Count());
    }
}
