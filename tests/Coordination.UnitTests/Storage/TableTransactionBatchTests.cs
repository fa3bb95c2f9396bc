using System.Text;
using Azure;
using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Storage;

/// <summary>The <c>$batch</c> request body and its validation (notes §2.7). Response parsing is in <see cref="TableTransactionResponseTests"/>.</summary>
public sealed class TableTransactionBatchTests
{
    private const string Base = "http://127.0.0.1:10002/devstoreaccount1";
    private static readonly Uri Endpoint = new(Base);
    private static readonly ETag Version = new("W/\"datetime'2024-01-01T00%3A00%3A00.1234567Z'\"");

    [Fact]
    public void Body_has_one_changeset_with_one_http_part_per_operation()
    {
        TableTransactionAction[] actions =
        [
            TableActions.Add(new TableEntity("p", "r1") { ["Name"] = "a" }),
            TableActions.Merge(new TableEntity("p", "r2") { ["N"] = 2 }, Version),
            TableActions.Delete("p", "r'3", ETag.All),
            TableActions.UpsertReplace(new TableEntity("p", "r4")),
            TableActions.Replace(new TableEntity("p", "r5"), Version),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "r6")),
        ];

        var batch = TableTransactionBatch.Create(Endpoint, "jobs", actions);

        var body = Encoding.UTF8.GetString(batch.Body);
        var batchBoundary = Boundary(batch.ContentType, "multipart/mixed; boundary=");
        Assert.StartsWith("batch_", batchBoundary);
        var changesetBoundary = Boundary(body.Split("\r\n")[1], "Content-Type: multipart/mixed; boundary=");
        Assert.StartsWith("changeset_", changesetBoundary);

        string Part(string requestLine, int contentId, string? ifMatch, string? json) =>
            $"--{changesetBoundary}\r\n" +
            "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            $"{requestLine} HTTP/1.1\r\n" +
            "Accept: application/json;odata=minimalmetadata\r\nDataServiceVersion: 3.0\r\n" +
            $"Content-ID: {contentId}\r\n" +
            (ifMatch is null ? "" : $"If-Match: {ifMatch}\r\n") +
            (json is null ? "\r\n" : $"Content-Type: application/json\r\nPrefer: return-no-content\r\n\r\n{json}\r\n");

        var expected =
            $"--{batchBoundary}\r\nContent-Type: multipart/mixed; boundary={changesetBoundary}\r\n\r\n" +
            Part($"POST {Base}/jobs", 1, null, """{"PartitionKey":"p","RowKey":"r1","Name":"a"}""") +
            Part($"MERGE {Base}/jobs(PartitionKey='p',RowKey='r2')", 2, Version.ToString(), """{"PartitionKey":"p","RowKey":"r2","N":2}""") +
            Part($"DELETE {Base}/jobs(PartitionKey='p',RowKey='r%27%273')", 3, "*", null) +
            Part($"PUT {Base}/jobs(PartitionKey='p',RowKey='r4')", 4, null, """{"PartitionKey":"p","RowKey":"r4"}""") +
            Part($"PUT {Base}/jobs(PartitionKey='p',RowKey='r5')", 5, Version.ToString(), """{"PartitionKey":"p","RowKey":"r5"}""") +
            Part($"MERGE {Base}/jobs(PartitionKey='p',RowKey='r6')", 6, null, """{"PartitionKey":"p","RowKey":"r6"}""") +
            $"--{changesetBoundary}--\r\n--{batchBoundary}--\r\n";
        Assert.Equal(expected, body);
    }

    [Fact]
    public void Body_uses_crlf_line_endings_only()
    {
        var batch = TableTransactionBatch.Create(Endpoint, "jobs", [TableActions.Add(new TableEntity("p", "r") { ["Text"] = "line1\nline2" })]);

        var body = Encoding.UTF8.GetString(batch.Body);

        // A newline inside a value is JSON-escaped, so every raw LF in the body ends a CRLF.
        Assert.Equal(body.Split('\n').Length, body.Split("\r\n").Length);
    }

    [Fact]
    public void Each_batch_gets_fresh_boundaries()
    {
        TableTransactionAction[] actions = [TableActions.Add(new TableEntity("p", "r"))];

        Assert.NotEqual(TableTransactionBatch.Create(Endpoint, "jobs", actions).ContentType, TableTransactionBatch.Create(Endpoint, "jobs", actions).ContentType);
    }

    [Fact]
    public void A_batch_of_100_operations_is_accepted()
    {
        var actions = Enumerable.Range(0, 100).Select(i => TableActions.Add(new TableEntity("p", $"r{i}"))).ToList();

        var body = Encoding.UTF8.GetString(TableTransactionBatch.Create(Endpoint, "jobs", actions).Body);

        Assert.Contains("Content-ID: 100\r\n", body);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void A_batch_must_hold_1_to_100_operations(int count)
    {
        var actions = Enumerable.Range(0, count).Select(i => TableActions.Add(new TableEntity("p", $"r{i}"))).ToList();

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.Create(Endpoint, "jobs", actions));

        Assert.Contains(count.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void A_batch_must_stay_in_one_partition()
    {
        TableTransactionAction[] actions = [TableActions.Add(new TableEntity("p", "r")), TableActions.Add(new TableEntity("q", "r"))];

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.Create(Endpoint, "jobs", actions));

        Assert.Contains("Operation 1", error.Message);
    }

    [Fact]
    public void A_batch_may_touch_each_row_once()
    {
        TableTransactionAction[] actions =
        [
            TableActions.Add(new TableEntity("p", "r1")),
            TableActions.Add(new TableEntity("p", "r2")),
            TableActions.Delete("p", "r1", ETag.All),
        ];

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.Create(Endpoint, "jobs", actions));

        Assert.Contains("Operation 2", error.Message);
        Assert.Contains("'r1'", error.Message);
    }

    [Theory]
    [InlineData(TableTransactionActionType.Delete)]
    [InlineData(TableTransactionActionType.UpdateMerge)]
    [InlineData(TableTransactionActionType.UpdateReplace)]
    public void Updates_and_deletes_must_state_their_etag(TableTransactionActionType type)
    {
        TableTransactionAction[] actions = [TableActions.Add(new TableEntity("p", "r0")), new(type, new TableEntity("p", "r1"))];

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.Create(Endpoint, "jobs", actions));

        Assert.Contains("Operation 1", error.Message);
        Assert.Contains(type.ToString(), error.Message);
    }

    [Theory]
    [InlineData(TableTransactionActionType.Add)]
    [InlineData(TableTransactionActionType.UpsertMerge)]
    [InlineData(TableTransactionActionType.UpsertReplace)]
    public void Inserts_and_upserts_need_no_etag(TableTransactionActionType type)
    {
        var body = Encoding.UTF8.GetString(TableTransactionBatch.Create(Endpoint, "jobs", [new(type, new TableEntity("p", "r"))]).Body);

        Assert.DoesNotContain("If-Match", body);
    }

    private static string Boundary(string line, string prefix)
    {
        Assert.StartsWith(prefix, line);
        return line[prefix.Length..];
    }
}
