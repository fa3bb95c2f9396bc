using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;

namespace Coordination.Core.Identity;

/// <summary>What an agent token asserts.</summary>
/// <param name="TenantId">Owning tenant.</param>
/// <param name="SwarmId">The swarm the token is bound to.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Role">The agent's role.</param>
/// <param name="TokenId">Unique per issued token; the membership row names the current one (revocation).</param>
/// <param name="ExpiresAt">Expiry.</param>
public sealed record AgentClaims(string TenantId, string SwarmId, string AgentId, Role Role, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues and verifies agent tokens: <c>ct_</c> + base64url(JSON claims) + <c>.</c> + base64url(HMAC-SHA256).
/// The claims carry the signing key id, so keys rotate by adding a new first key to
/// <c>Coordination:TokenSigningKeys</c> (<c>kid:secret;kid:secret</c>; the first signs, all verify).
/// Stream tokens (<c>cs_</c>) are the same format with the scope <c>stream</c> in the signed claims, so neither kind
/// passes for the other even with its prefix swapped.
/// </summary>
public sealed class AgentTokens
{
    private const string Prefix = "ct_";
    private const string StreamPrefix = "cs_";
    private const string StreamScope = "stream";
    private readonly IReadOnlyList<(string Id, byte[] Secret)> _keys;
    private readonly TimeProvider _clock;

    /// <summary>Creates the issuer/verifier from signing keys; the first key signs.</summary>
    public AgentTokens(IReadOnlyList<(string Id, byte[] Secret)> keys, TimeSpan lifetime, TimeProvider clock)
    {
        if (keys.Count == 0)
        {
            throw new InvalidOperationException("No token signing key: set Coordination__TokenSigningKeys to 'keyId:secret' (secret at least 32 characters).");
        }
        _keys = keys;
        Lifetime = lifetime;
        _clock = clock;
    }

    /// <summary>How long an issued token is valid.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>Reads <c>Coordination:TokenSigningKeys</c>.</summary>
    public static IReadOnlyList<(string Id, byte[] Secret)> ReadKeys(IConfiguration configuration)
    {
        var text = configuration["Coordination:TokenSigningKeys"] ?? string.Empty;
        var keys = new List<(string, byte[])>();
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon <= 0 || entry.Length - colon - 1 < 32)
            {
                throw new InvalidOperationException("Coordination__TokenSigningKeys entries must be 'keyId:secret' with a secret of at least 32 characters.");
            }
            keys.Add((entry[..colon], Encoding.UTF8.GetBytes(entry[(colon + 1)..])));
        }
        return keys;
    }

    /// <summary>Issues a token for a member.</summary>
    public (string Token, AgentClaims Claims) Issue(string tenantId, string swarmId, string agentId, Role role, string tokenId) =>
        Sign(Prefix, null, new AgentClaims(tenantId, swarmId, agentId, role, tokenId, _clock.GetUtcNow().Add(Lifetime)));

    /// <summary>
    /// Issues a stream token: read-only (its role is observer whatever the member's), for one swarm and agent, valid for
    /// <paramref name="lifetime"/> and only while the member row still names <paramref name="memberTokenId"/> (leaving,
    /// removal or a rejoin revoke it with the member's token).
    /// </summary>
    public (string Token, AgentClaims Claims) IssueStream(string tenantId, string swarmId, string agentId, string memberTokenId, TimeSpan lifetime) =>
        Sign(StreamPrefix, StreamScope, new AgentClaims(tenantId, swarmId, agentId, Role.Observer, memberTokenId, _clock.GetUtcNow().Add(lifetime)));

    /// <summary>The claims of a valid, unexpired agent token signed by a known key; null otherwise (no reason is revealed).</summary>
    public AgentClaims? Verify(string token) => Verify(token, Prefix, null);

    /// <summary>The claims of a valid, unexpired stream token signed by a known key; null otherwise.</summary>
    public AgentClaims? VerifyStream(string token) => Verify(token, StreamPrefix, StreamScope);

    private (string Token, AgentClaims Claims) Sign(string prefix, string? scope, AgentClaims claims)
    {
        var (kid, secret) = _keys[0];
        var payload = JsonSerializer.SerializeToUtf8Bytes(
            new Payload(1, kid, claims.TenantId, claims.SwarmId, claims.AgentId, claims.Role.ToString().ToLowerInvariant(), claims.TokenId, claims.ExpiresAt.ToUnixTimeSeconds(), scope),
            PayloadJson);
        var body = Base64Url(payload);
        return (prefix + body + "." + Base64Url(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(body))), claims);
    }

    private AgentClaims? Verify(string token, string prefix, string? scope)
    {
        if (!token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var dot = token.IndexOf('.', prefix.Length);
        if (dot < 0)
        {
            return null;
        }
        var body = token[prefix.Length..dot];
        try
        {
            var payload = JsonSerializer.Deserialize<Payload>(FromBase64Url(body), PayloadJson);
            if (payload is null || payload.Version != 1 || payload.Scope != scope || _keys.FirstOrDefault(k => k.Id == payload.KeyId) is not { Secret: { } secret })
            {
                return null;
            }
            var expected = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(body));
            if (!CryptographicOperations.FixedTimeEquals(expected, FromBase64Url(token[(dot + 1)..])))
            {
                return null;
            }
            var expires = DateTimeOffset.FromUnixTimeSeconds(payload.ExpiresAt);
            if (expires <= _clock.GetUtcNow() || !Enum.TryParse<Role>(payload.Role, ignoreCase: true, out var role))
            {
                return null;
            }
            return new AgentClaims(payload.TenantId, payload.SwarmId, payload.AgentId, role, payload.TokenId, expires);
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions PayloadJson = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };

    private sealed record Payload(
        [property: JsonPropertyName("v")] int Version,
        [property: JsonPropertyName("kid")] string KeyId,
        [property: JsonPropertyName("ten")] string TenantId,
        [property: JsonPropertyName("swm")] string SwarmId,
        [property: JsonPropertyName("sub")] string AgentId,
        [property: JsonPropertyName("rol")] string Role,
        [property: JsonPropertyName("jti")] string TokenId,
        [property: JsonPropertyName("exp")] long ExpiresAt,
        [property: JsonPropertyName("scp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null);

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static byte[] FromBase64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
