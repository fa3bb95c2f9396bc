using System.Text;
using Coordination.Core.Identity;

namespace Coordination.UnitTests.Core;

public sealed class AgentTokenTests
{
    private static readonly (string, byte[]) OldKey = ("old", Encoding.UTF8.GetBytes("old-secret-0123456789-0123456789-xx"));
    private static readonly (string, byte[]) NewKey = ("new", Encoding.UTF8.GetBytes("new-secret-0123456789-0123456789-yy"));

    [Fact]
    public void An_issued_token_verifies_with_its_claims()
    {
        var tokens = new AgentTokens([NewKey], TimeSpan.FromHours(1), new FixedClock(DateTimeOffset.UnixEpoch.AddYears(56)));
        var (token, issued) = tokens.Issue("tenant", "swarm_x", "agent-1", Role.Worker, "jti-1");

        Assert.StartsWith("ct_", token);
        Assert.Equal(issued with { ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(issued.ExpiresAt.ToUnixTimeSeconds()) }, tokens.Verify(token));
    }

    [Fact]
    public void Rotation_keeps_old_tokens_valid_while_new_ones_are_signed_with_the_new_key()
    {
        var clock = new FixedClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var before = new AgentTokens([OldKey], TimeSpan.FromHours(1), clock);
        var during = new AgentTokens([NewKey, OldKey], TimeSpan.FromHours(1), clock);
        var after = new AgentTokens([NewKey], TimeSpan.FromHours(1), clock);
        var (oldToken, _) = before.Issue("t", "swarm_x", "a", Role.Worker, "j1");
        var (newToken, _) = during.Issue("t", "swarm_x", "a", Role.Worker, "j2");

        Assert.NotNull(during.Verify(oldToken));
        Assert.NotNull(during.Verify(newToken));
        Assert.NotNull(after.Verify(newToken));
        Assert.Null(after.Verify(oldToken));
        Assert.Null(before.Verify(newToken));
    }

    [Fact]
    public void An_expired_token_is_refused()
    {
        var clock = new FixedClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var tokens = new AgentTokens([NewKey], TimeSpan.FromMinutes(5), clock);
        var (token, _) = tokens.Issue("t", "swarm_x", "a", Role.Worker, "j");
        clock.Now = clock.Now.AddMinutes(5);
        Assert.Null(tokens.Verify(token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ct_")]
    [InlineData("ct_abc")]
    [InlineData("ct_!!!.???")]
    [InlineData("ck_tenantkey0123456789")]
    public void Garbage_is_refused_without_an_exception(string token)
    {
        var tokens = new AgentTokens([NewKey], TimeSpan.FromHours(1), TimeProvider.System);
        Assert.Null(tokens.Verify(token));
    }

    [Fact]
    public void A_changed_payload_or_signature_is_refused()
    {
        var tokens = new AgentTokens([NewKey], TimeSpan.FromHours(1), TimeProvider.System);
        var (token, _) = tokens.Issue("t", "swarm_x", "a", Role.Worker, "j");
        var dot = token.IndexOf('.');
        var payloadChanged = token[..5] + (token[5] == 'A' ? 'B' : 'A') + token[6..];
        var signatureChanged = token[..(dot + 1)] + (token[dot + 1] == 'A' ? 'B' : 'A') + token[(dot + 2)..];
        Assert.Null(tokens.Verify(payloadChanged));
        Assert.Null(tokens.Verify(signatureChanged));
    }

    [Fact]
    public void A_stream_token_verifies_only_as_a_read_only_stream_token_until_its_own_expiry()
    {
        var clock = new FixedClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var tokens = new AgentTokens([NewKey], TimeSpan.FromHours(1), clock);
        var (stream, issued) = tokens.IssueStream("t", "swarm_x", "a", "member-jti", TimeSpan.FromMinutes(5));

        Assert.StartsWith("cs_", stream);
        Assert.Equal(new AgentClaims("t", "swarm_x", "a", Role.Observer, "member-jti", clock.Now.AddMinutes(5)), tokens.VerifyStream(stream));
        Assert.Equal(issued.ExpiresAt, clock.Now.AddMinutes(5));
        Assert.Null(tokens.Verify(stream));
        clock.Now = clock.Now.AddMinutes(5);
        Assert.Null(tokens.VerifyStream(stream));
    }

    [Fact]
    public void Swapping_the_prefix_does_not_turn_one_kind_of_token_into_the_other()
    {
        var tokens = new AgentTokens([NewKey], TimeSpan.FromHours(1), TimeProvider.System);
        var (agent, _) = tokens.Issue("t", "swarm_x", "a", Role.Coordinator, "j");
        var (stream, _) = tokens.IssueStream("t", "swarm_x", "a", "j", TimeSpan.FromMinutes(5));

        Assert.Null(tokens.Verify("ct_" + stream[3..]));
        Assert.Null(tokens.VerifyStream("cs_" + agent[3..]));
        Assert.Null(tokens.VerifyStream(agent));
    }

    [Fact]
    public void Without_a_signing_key_the_issuer_refuses_to_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new AgentTokens([], TimeSpan.FromHours(1), TimeProvider.System));
        Assert.Contains("Coordination__TokenSigningKeys", error.Message);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
