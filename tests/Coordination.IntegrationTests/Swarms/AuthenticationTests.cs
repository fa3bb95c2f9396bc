using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.Core.Identity;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>
/// Every credential that is missing, malformed, forged, expired or revoked answers the same 401, with
/// <c>WWW-Authenticate: Bearer</c> and one detail text, so a caller cannot learn which part was wrong.
/// </summary>
public sealed class AuthenticationTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Missing_garbage_and_tenant_credentials_on_agent_routes_answer_the_same_401()
    {
        var swarm = await App.CreateSwarmAsync();
        var baseline = await RefusedDetailAsync(swarm, authorization: null);
        string?[] headers =
        [
            "Bearer", "Bearer ", "Bearer garbage", "Bearer ct_garbage", "Bearer ct_abc.def", "Bearer ct_.", "Bearer ct_!!!.???",
            "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("user:pass")), swarm.CoordinatorToken,
        ];
        foreach (var header in headers)
        {
            Assert.Equal(baseline, await RefusedDetailAsync(swarm, header));
        }
        // The owning tenant's key reads the swarm itself (TenantAccessTests), but no other member route.
        Assert.Equal(baseline, await RefusedDetailAsync(swarm, "Bearer " + RunningApp.TenantKey, path: $"api/swarms/{swarm.SwarmId}/members"));
    }

    [Fact]
    public async Task Forged_tokens_answer_the_same_401_while_the_genuine_token_works()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "forgery-target");
        using (var genuine = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}", worker))
        {
            await SwarmApi.EnsureAsync(genuine, HttpStatusCode.OK);
        }
        var baseline = await RefusedDetailAsync(swarm, authorization: null);
        var otherSecret = Encoding.UTF8.GetBytes("a-different-secret-of-enough-length-0123456789");
        string[] forgeries =
        [
            ChangeOnePayloadCharacter(worker),
            Tokens.Reissue(worker, Tokens.KeyId, otherSecret, TimeProvider.System),
            Tokens.Reissue(worker, "unknown-kid", Tokens.Secret, TimeProvider.System),
            Tokens.Reissue(worker, "unknown-kid", otherSecret, TimeProvider.System),
            worker[..^2] + (worker[^2] == 'A' ? "B" : "A") + worker[^1],
            worker + "x",
            worker.Replace(".", string.Empty, StringComparison.Ordinal),
        ];
        foreach (var forged in forgeries)
        {
            Assert.NotEqual(worker, forged);
            Assert.Equal(baseline, await RefusedDetailAsync(swarm, "Bearer " + forged));
            Assert.Equal(baseline, await RefusedDetailAsync(swarm, "Bearer " + forged, HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", new { type = "forged.write" }));
        }
        Assert.DoesNotContain("forged.write", await App.EventTypesAsync(swarm));
    }

    [Fact]
    public async Task Expired_token_of_a_current_member_answers_the_same_401()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "expiring");
        var baseline = await RefusedDetailAsync(swarm, authorization: null);

        // Same key, same member, same token id: only the expiry (2 days ago + 1 h) is wrong.
        var expired = Tokens.Reissue(worker, Tokens.KeyId, Tokens.Secret, new FixedClock(DateTimeOffset.UtcNow.AddDays(-2)));
        Assert.Equal((string)Tokens.Payload(worker)["jti"]!, (string)Tokens.Payload(expired)["jti"]!);
        Assert.True((long)Tokens.Payload(expired)["exp"]! < DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(baseline, await RefusedDetailAsync(swarm, "Bearer " + expired));

        // The same reissue with a current clock is accepted, so expiry alone made the difference.
        var fresh = Tokens.Reissue(worker, Tokens.KeyId, Tokens.Secret, TimeProvider.System);
        using var accepted = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}", fresh);
        await SwarmApi.EnsureAsync(accepted, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tokens_of_removed_and_departed_members_answer_the_same_401()
    {
        var swarm = await App.CreateSwarmAsync();
        var removed = await App.JoinAsync(swarm, "removed-one");
        var departed = await App.JoinAsync(swarm, "departed-one");
        var baseline = await RefusedDetailAsync(swarm, authorization: null);

        using (var remove = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/removed-one", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(remove, HttpStatusCode.NoContent);
        }
        using (var leave = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/departed-one", departed))
        {
            await SwarmApi.EnsureAsync(leave, HttpStatusCode.NoContent);
        }
        foreach (var token in new[] { removed, departed })
        {
            Assert.Equal(baseline, await RefusedDetailAsync(swarm, "Bearer " + token));
            Assert.Equal(baseline, await RefusedDetailAsync(swarm, "Bearer " + token, HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/heartbeat", new { status = "online" }));
        }

        // Rejoining under the same id issues a new token; the old one stays revoked.
        var rejoined = await App.JoinAsync(swarm, "removed-one");
        Assert.Equal(baseline, await RefusedDetailAsync(swarm, "Bearer " + removed));
        using var accepted = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}", rejoined);
        await SwarmApi.EnsureAsync(accepted, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Creating_a_swarm_without_a_valid_tenant_key_answers_the_same_401_and_creates_nothing()
    {
        var swarm = await App.CreateSwarmAsync();
        var baseline = await RefusedDetailAsync(swarm, authorization: null);
        var before = await App.TenantSnapshotAsync("test");
        string?[] headers = [null, "Bearer ck_wrong_tenant_key_0123456789", "Bearer " + RunningApp.TenantKey + "x", "Bearer " + swarm.CoordinatorToken, "Bearer"];
        foreach (var header in headers)
        {
            Assert.Equal(baseline, await RefusedDetailAsync(swarm, header, HttpMethod.Post, "api/swarms", new { name = "not created" }));
        }
        Assert.Equal(before, await App.TenantSnapshotAsync("test"));
    }

    /// <summary>Sends the request and asserts the 401 shape; returns its detail.</summary>
    private async Task<string> RefusedDetailAsync(TestSwarm swarm, string? authorization, HttpMethod? method = null, string? path = null, object? body = null)
    {
        using var response = await App.SendRawAsync(method ?? HttpMethod.Get, path ?? $"api/swarms/{swarm.SwarmId}", authorization, body);
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        var detail = (string?)problem["detail"];
        Assert.False(string.IsNullOrEmpty(detail));
        return detail!;
    }

    /// <summary>The token with one character in the middle of its payload replaced (a full 6-bit symbol, never padding bits).</summary>
    private static string ChangeOnePayloadCharacter(string token)
    {
        var middle = token.IndexOf('.', StringComparison.Ordinal) / 2 + 2;
        return token[..middle] + (token[middle] == 'A' ? 'B' : 'A') + token[(middle + 1)..];
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

/// <summary>Reads and re-signs agent tokens the way an attacker (or a clock in the past) would produce them.</summary>
internal static class Tokens
{
    /// <summary>The key id of the test app's signing key.</summary>
    public static string KeyId => RunningApp.SigningKey[..RunningApp.SigningKey.IndexOf(':', StringComparison.Ordinal)];

    /// <summary>The secret of the test app's signing key.</summary>
    public static byte[] Secret => Encoding.UTF8.GetBytes(RunningApp.SigningKey[(RunningApp.SigningKey.IndexOf(':', StringComparison.Ordinal) + 1)..]);

    /// <summary>The decoded JSON payload of a <c>ct_</c> token.</summary>
    public static JsonObject Payload(string token)
    {
        var body = token[3..token.IndexOf('.', StringComparison.Ordinal)].Replace('-', '+').Replace('_', '/');
        var bytes = Convert.FromBase64String(body.PadRight(body.Length + (4 - body.Length % 4) % 4, '='));
        return JsonNode.Parse(bytes)!.AsObject();
    }

    /// <summary>A token with the same tenant, swarm, agent, role and token id, signed with the given key and clock.</summary>
    public static string Reissue(string token, string keyId, byte[] secret, TimeProvider clock)
    {
        var payload = Payload(token);
        var issuer = new AgentTokens([(keyId, secret)], TimeSpan.FromHours(1), clock);
        return issuer.Issue((string)payload["ten"]!, (string)payload["swm"]!, (string)payload["sub"]!,
            Enum.Parse<Role>((string)payload["rol"]!, ignoreCase: true), (string)payload["jti"]!).Token;
    }
}
