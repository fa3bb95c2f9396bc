using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage;

/// <summary>
/// Signs Table requests with SharedKeyLite, as the official Azure.Data.Tables SDK does:
/// <c>x-ms-date + "\n" + "/" + account + encodedPath [+ "?comp=" + comp]</c>.
/// Runs per retry so every attempt carries a fresh date.
/// </summary>
internal sealed class TableSharedKeyPolicy(StorageSharedKeyCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
        message.Request.Headers.SetValue("x-ms-date", date);
        var stringToSign = BuildStringToSign(date, credential.AccountName, message.Request.Uri.ToUri());
        message.Request.Headers.SetValue("Authorization", $"SharedKeyLite {credential.AccountName}:{credential.ComputeSignature(stringToSign)}");
    }

    internal static string BuildStringToSign(string date, string account, Uri uri)
    {
        var resource = new StringBuilder().Append(date).Append('\n').Append('/').Append(account).Append(uri.AbsolutePath);
        var comp = QueryParameters(uri).FirstOrDefault(p => string.Equals(p.Name, "comp", StringComparison.OrdinalIgnoreCase));
        if (comp.Name is not null)
        {
            resource.Append("?comp=").Append(comp.Value);
        }
        return resource.ToString();
    }

    internal static IEnumerable<(string Name, string Value)> QueryParameters(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            yield break;
        }
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            yield return (name, value);
        }
    }
}

/// <summary>
/// Signs Queue requests with SharedKey (Blob/Queue scheme, version 2009-09-19 and later):
/// verb, standard headers, canonicalized <c>x-ms-*</c> headers and the canonicalized resource
/// with every query parameter.
/// </summary>
internal sealed class QueueSharedKeyPolicy(StorageSharedKeyCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        long contentLength = 0;
        if (request.Content is not null && !request.Content.TryComputeLength(out contentLength))
        {
            throw new InvalidOperationException("Queue requests must have content of known length to be signed.");
        }
        var headers = request.Headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);
        var stringToSign = BuildStringToSign(request.Method.Method, contentLength, headers, credential.AccountName, request.Uri.ToUri());
        request.Headers.SetValue("Authorization", $"SharedKey {credential.AccountName}:{credential.ComputeSignature(stringToSign)}");
    }

    internal static string BuildStringToSign(string verb, long contentLength, IReadOnlyDictionary<string, string> headers, string account, Uri uri)
    {
        string Header(string name) => headers.TryGetValue(name, out var v) ? v : string.Empty;

        var sb = new StringBuilder()
            .Append(verb.ToUpperInvariant()).Append('\n')
            .Append(Header("Content-Encoding")).Append('\n')
            .Append(Header("Content-Language")).Append('\n')
            .Append(contentLength == 0 ? string.Empty : contentLength.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Header("Content-MD5")).Append('\n')
            .Append(Header("Content-Type")).Append('\n')
            .Append(string.Empty).Append('\n') // Date: empty because x-ms-date is sent
            .Append(Header("If-Modified-Since")).Append('\n')
            .Append(Header("If-Match")).Append('\n')
            .Append(Header("If-None-Match")).Append('\n')
            .Append(Header("If-Unmodified-Since")).Append('\n')
            .Append(Header("Range")).Append('\n');

        foreach (var header in headers
                     .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Key.ToLowerInvariant(), h.Value))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            sb.Append(header.Name).Append(':').Append(CollapseWhitespace(header.Value)).Append('\n');
        }

        sb.Append('/').Append(account).Append(uri.AbsolutePath);
        foreach (var group in TableSharedKeyPolicy.QueryParameters(uri)
                     .GroupBy(p => p.Name.ToLowerInvariant())
                     .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append('\n').Append(group.Key).Append(':')
              .Append(string.Join(',', group.Select(p => p.Value).OrderBy(v => v, StringComparer.Ordinal)));
        }
        return sb.ToString();
    }

    private static string CollapseWhitespace(string value) =>
        string.Join(' ', value.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
