using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Coordination.Storage.WebPubSub;

/// <summary>
/// HS256 JSON Web Tokens signed with a Web PubSub access key, as the service expects them: header
/// <c>{"alg":"HS256","typ":"JWT"}</c>, base64url without padding, HMAC key = the UTF-8 bytes of the access key
/// string (not base64-decoded), times in Unix seconds.
/// </summary>
public static class WebPubSubJwt
{
    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    /// <summary>Signs <paramref name="claims"/> (a JSON object) with the access key.</summary>
    public static string Sign(JsonObject claims, string accessKey)
    {
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signingInput = Header + "." + payload;
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>
    /// The token authorizing one REST call (as the .NET SDK's authentication policy makes it): <c>aud</c> = the exact
    /// request URL including the query, <c>nbf</c> = <c>iat</c> = now, <c>exp</c> = now + 5 minutes.
    /// </summary>
    public static string ForRequest(Uri requestUri, string accessKey, DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        return Sign(new JsonObject { ["nbf"] = seconds, ["exp"] = seconds + 300, ["iat"] = seconds, ["aud"] = requestUri.AbsoluteUri }, accessKey);
    }

    /// <summary>
    /// A client access token: <c>aud</c> = <c>{endpoint}/client/hubs/{hub}</c> (the https form), <c>sub</c> = the user
    /// (when given), <c>role</c> and <c>webpubsub.group</c> (when non-empty), <c>nbf</c>/<c>iat</c> = now, <c>exp</c>.
    /// </summary>
    public static string ForClient(Uri endpoint, string hub, string? userId, IReadOnlyList<string> roles, IReadOnlyList<string> groups, DateTimeOffset now, TimeSpan lifetime, string accessKey)
    {
        var seconds = now.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["nbf"] = seconds,
            ["exp"] = seconds + (long)lifetime.TotalSeconds,
            ["iat"] = seconds,
            ["aud"] = ClientAudience(endpoint, hub),
        };
        if (userId is not null)
        {
            claims["sub"] = userId;
        }
        if (roles.Count > 0)
        {
            claims["role"] = new JsonArray(roles.Select(r => (JsonNode)JsonValue.Create(r)).ToArray());
        }
        if (groups.Count > 0)
        {
            claims["webpubsub.group"] = new JsonArray(groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray());
        }
        return Sign(claims, accessKey);
    }

    /// <summary>The audience of client tokens: <c>https://host[:port]/client/hubs/{hub}</c>.</summary>
    public static string ClientAudience(Uri endpoint, string hub) => endpoint.GetLeftPart(UriPartial.Authority) + "/client/hubs/" + hub;

    /// <summary>Decodes a token's claims without checking the signature (for diagnostics and tests).</summary>
    public static JsonObject ReadClaims(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("Not a JWT: expected three dot-separated parts.");
        }
        return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))?.AsObject() ?? throw new FormatException("The JWT payload is not a JSON object.");
    }

    /// <summary>True when the token's signature is the HS256 signature of its content under <paramref name="accessKey"/>.</summary>
    public static bool HasValidSignature(string token, string accessKey)
    {
        var lastDot = token.LastIndexOf('.');
        if (lastDot <= 0)
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.ASCII.GetBytes(token[..lastDot]));
        byte[] actual;
        try
        {
            actual = Base64Url.DecodeFromChars(token.AsSpan(lastDot + 1));
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
