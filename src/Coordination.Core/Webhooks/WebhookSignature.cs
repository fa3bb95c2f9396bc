using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Coordination.Core.Webhooks;

/// <summary>
/// Standard Webhooks signing (the scheme Svix defined): <c>webhook-signature</c> is <c>v1,</c> + base64 of
/// HMAC-SHA256 over <c>{webhook-id}.{webhook-timestamp}.{body}</c>, keyed with the secret's bytes (the base64 after
/// <c>whsec_</c>). During a secret rotation both secrets sign and the header lists both, space-separated, so a receiver
/// holding either one verifies.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The prefix of a signing secret.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>The header names a delivery carries.</summary>
    public const string IdHeader = "webhook-id", TimestampHeader = "webhook-timestamp", SignatureHeader = "webhook-signature";

    /// <summary>A new signing secret: <c>whsec_</c> and the base64 of 32 random bytes (spec §11).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>True for a well-formed secret: <c>whsec_</c> and base64 of 24 to 64 bytes (24 is what Svix issues; ours are 32).</summary>
    /// <param name="secret">The candidate.</param>
    public static bool IsValidSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var buffer = new byte[64];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], buffer, out var length) && length >= 24;
    }

    /// <summary>One signature, <c>v1,{base64}</c>.</summary>
    /// <param name="secret">A <c>whsec_</c> secret.</param>
    /// <param name="messageId">The <c>webhook-id</c> (the event id).</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> (whole seconds).</param>
    /// <param name="body">The exact body sent.</param>
    public static string Sign(string secret, string messageId, DateTimeOffset timestamp, string body)
    {
        if (!IsValidSecret(secret))
        {
            throw new ArgumentException("A signing secret is 'whsec_' and the base64 of 24–64 bytes.", nameof(secret));
        }
        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        var signed = Encoding.UTF8.GetBytes($"{messageId}.{Seconds(timestamp)}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    /// <summary>
    /// The three Standard Webhooks headers for a delivery signed with every secret in <paramref name="secrets"/>, in
    /// that order. Put the current secret first: the .NET StandardWebhooks verifier (1.1.2) checks only the first
    /// signature, so a receiver that has switched to the new secret verifies with it too.
    /// </summary>
    /// <param name="secrets">The current secret, and during a rotation the previous one after it.</param>
    /// <param name="messageId">The event id.</param>
    /// <param name="timestamp">When this attempt is sent.</param>
    /// <param name="body">The exact body sent.</param>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(IReadOnlyList<string> secrets, string messageId, DateTimeOffset timestamp, string body) =>
    [
        new(IdHeader, messageId),
        new(TimestampHeader, Seconds(timestamp)),
        new(SignatureHeader, string.Join(' ', secrets.Select(secret => Sign(secret, messageId, timestamp, body)))),
    ];

    private static string Seconds(DateTimeOffset timestamp) => timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
