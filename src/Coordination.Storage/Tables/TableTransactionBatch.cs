using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;

namespace Coordination.Storage.Tables;

/// <summary>Builds the multipart <c>$batch</c> body and parses its multipart response.</summary>
internal static partial class TableTransactionBatch
{
    public const int MaxOperations = 100;
    public static readonly RequestMethod Merge = new("MERGE");

    public sealed record Batch(string ContentType, byte[] Body);

    public static Batch Create(Uri endpoint, string table, IReadOnlyList<TableTransactionAction> actions)
    {
        Validate(actions);
        var batchBoundary = "batch_" + Guid.NewGuid().ToString("N");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("N");
        var body = new StringBuilder();
        body.Append("--").Append(batchBoundary).Append("\r\n")
            .Append("Content-Type: multipart/mixed; boundary=").Append(changesetBoundary).Append("\r\n\r\n");

        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            var entity = action.Entity;
            var (method, path, hasBody) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", "/" + table, true),
                TableTransactionActionType.Delete => ("DELETE", TableStore.EntityPath(table, entity.PartitionKey, entity.RowKey), false),
                TableTransactionActionType.UpdateMerge or TableTransactionActionType.UpsertMerge => ("MERGE", TableStore.EntityPath(table, entity.PartitionKey, entity.RowKey), true),
                _ => ("PUT", TableStore.EntityPath(table, entity.PartitionKey, entity.RowKey), true),
            };
            body.Append("--").Append(changesetBoundary).Append("\r\n")
                .Append("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n")
                .Append(method).Append(' ').Append(endpoint.AbsoluteUri.TrimEnd('/')).Append(path).Append(" HTTP/1.1\r\n")
                .Append("Accept: application/json;odata=minimalmetadata\r\n")
                .Append("DataServiceVersion: 3.0\r\n")
                .Append("Content-ID: ").Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            if (action.IfMatch != default)
            {
                body.Append("If-Match: ").Append(action.IfMatch.ToString()).Append("\r\n");
            }
            if (hasBody)
            {
                body.Append("Content-Type: application/json\r\nPrefer: return-no-content\r\n\r\n")
                    .Append(Encoding.UTF8.GetString(TableEntityJson.Serialize(entity))).Append("\r\n");
            }
            else
            {
                body.Append("\r\n");
            }
        }
        body.Append("--").Append(changesetBoundary).Append("--\r\n")
            .Append("--").Append(batchBoundary).Append("--\r\n");
        return new Batch("multipart/mixed; boundary=" + batchBoundary, Encoding.UTF8.GetBytes(body.ToString()));
    }

    private static void Validate(IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxOperations)
        {
            throw new ArgumentException($"A transaction holds 1 to {MaxOperations} operations; got {actions.Count}.", nameof(actions));
        }
        var partition = actions[0].Entity.PartitionKey;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            if (!string.Equals(entity.PartitionKey, partition, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Operation {i} targets another partition; a transaction spans one partition.", nameof(actions));
            }
            if (!seen.Add(entity.RowKey))
            {
                throw new ArgumentException($"Operation {i} touches row '{entity.RowKey}' a second time; a transaction may touch each entity once.", nameof(actions));
            }
            var conditional = actions[i].ActionType is TableTransactionActionType.Delete or TableTransactionActionType.UpdateMerge or TableTransactionActionType.UpdateReplace;
            if (conditional && actions[i].IfMatch == default)
            {
                throw new ArgumentException($"Operation {i} ({actions[i].ActionType}) must state its concurrency: an ETag or ETag.All.", nameof(actions));
            }
        }
    }

    public static TableTransactionResult ParseResponse(Response response, int operationCount)
    {
        if (response.Status != 202)
        {
            throw StorageErrors.ToException(response);
        }
        var parts = ParseParts(response.Content.ToString());
        var failure = parts.FirstOrDefault(p => p.Status >= 300);
        if (failure is null)
        {
            if (parts.Count != operationCount)
            {
                throw new RequestFailedException(response.Status, $"The transaction response had {parts.Count} results for {operationCount} operations.");
            }
            return new TableTransactionResult(parts.Select(p => p.ETag).ToList());
        }

        var (code, message) = StorageErrors.TryParseError(failure.Body) ?? (null, null);
        var index = FailedIndexOf(message, failure.ContentId, operationCount);
        var outcome = StorageErrors.OutcomeOf(failure.Status);
        if (outcome is StorageOutcome.PreconditionFailed or StorageOutcome.AlreadyExists)
        {
            StorageCallCounter.RecordConflict();
        }
        if (outcome is not null && index is not null)
        {
            return new TableTransactionResult(index.Value, outcome.Value, code);
        }
        throw new TableTransactionFailedException(failure.Status, index,
            code, $"Transaction failed at operation {index?.ToString(CultureInfo.InvariantCulture) ?? "?"} with {failure.Status}: {code}. {message}".Trim());
    }

    /// <summary>The service prefixes the message with the 0-based index ("1:The specified entity…"); Content-ID is our 1-based fallback.</summary>
    private static int? FailedIndexOf(string? message, int? contentId, int operationCount)
    {
        if (message is not null && IndexPrefix().Match(message) is { Success: true } m &&
            int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < operationCount)
        {
            return index;
        }
        return contentId is >= 1 && contentId <= operationCount ? contentId - 1 : null;
    }

    private sealed record Part(int Status, ETag ETag, int? ContentId, string Body);

    /// <summary>Reads every embedded HTTP response (status line, headers, body) in document order.</summary>
    private static List<Part> ParseParts(string body)
    {
        var parts = new List<Part>();
        var lines = body.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            var statusLine = StatusLine().Match(lines[i]);
            if (!statusLine.Success)
            {
                continue;
            }
            var status = int.Parse(statusLine.Groups[1].Value, CultureInfo.InvariantCulture);
            ETag etag = default;
            int? contentId = null;
            var j = i + 1;
            for (; j < lines.Length && lines[j].Length > 0; j++)
            {
                var colon = lines[j].IndexOf(':');
                if (colon <= 0)
                {
                    continue;
                }
                var name = lines[j][..colon].Trim();
                var value = lines[j][(colon + 1)..].Trim();
                if (name.Equals("ETag", StringComparison.OrdinalIgnoreCase))
                {
                    etag = new ETag(value);
                }
                else if (name.Equals("Content-ID", StringComparison.OrdinalIgnoreCase) && int.TryParse(value, CultureInfo.InvariantCulture, out var id))
                {
                    contentId = id;
                }
            }
            var content = new StringBuilder();
            for (j++; j < lines.Length && !lines[j].StartsWith("--", StringComparison.Ordinal); j++)
            {
                content.Append(lines[j]).Append('\n');
            }
            parts.Add(new Part(status, etag, contentId, content.ToString()));
            i = j - 1;
        }
        return parts;
    }

    [GeneratedRegex(@"^HTTP/1\.1 (\d{3})")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^(\d+):")]
    private static partial Regex IndexPrefix();
}
