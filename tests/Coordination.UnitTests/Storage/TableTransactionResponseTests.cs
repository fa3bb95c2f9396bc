using Azure;
using Coordination.Storage;
using Coordination.Storage.Tables;
using Coordination.UnitTests.Support;

namespace Coordination.UnitTests.Storage;

/// <summary>Parsing canned <c>$batch</c> responses shaped like the service's (notes §2.7: always 202; read the inner status).</summary>
public sealed class TableTransactionResponseTests
{
    private const string ETag1 = "W/\"datetime'2024-01-01T00%3A00%3A00.0000001Z'\"";
    private const string ETag2 = "W/\"datetime'2024-01-01T00%3A00%3A00.0000002Z'\"";

    [Fact]
    public void A_successful_batch_yields_each_operations_etag_in_order()
    {
        var body = Multipart(
            SuccessPart(1, ETag1),
            SuccessPart(2, ETag2),
            SuccessPart(3, etag: null));

        var result = TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 3);

        Assert.True(result.Succeeded);
        Assert.Equal(StorageOutcome.Succeeded, result.Outcome);
        Assert.Null(result.FailedIndex);
        Assert.Equal([new ETag(ETag1), new ETag(ETag2), default], result.ETags);
    }

    [Fact]
    public void A_successful_batch_with_lf_only_line_endings_parses_the_same()
    {
        var body = Multipart(SuccessPart(1, ETag1), SuccessPart(2, ETag2)).Replace("\r\n", "\n", StringComparison.Ordinal);

        var result = TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 2);

        Assert.Equal([new ETag(ETag1), new ETag(ETag2)], result.ETags);
    }

    [Fact]
    public void A_conflict_names_the_failing_operation_from_the_message_prefix()
    {
        var body = Multipart(FailurePart("409 Conflict", contentId: 2, "EntityAlreadyExists", "1:The specified entity already exists."));

        var result = TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 3);

        Assert.False(result.Succeeded);
        Assert.Equal(1, result.FailedIndex);
        Assert.Equal(StorageOutcome.AlreadyExists, result.Outcome);
        Assert.Equal("EntityAlreadyExists", result.ErrorCode);
        Assert.Empty(result.ETags);
    }

    [Fact]
    public void A_stale_etag_is_a_precondition_failure_at_its_index()
    {
        var body = Multipart(FailurePart("412 Precondition Failed", contentId: null, "UpdateConditionNotSatisfied",
            "2:The update condition specified in the request was not satisfied."));

        var result = TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 3);

        Assert.Equal(2, result.FailedIndex);
        Assert.Equal(StorageOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal("UpdateConditionNotSatisfied", result.ErrorCode);
    }

    [Fact]
    public void Without_an_index_in_the_message_the_one_based_Content_ID_names_the_operation()
    {
        var body = Multipart(FailurePart("404 Not Found", contentId: 3, "ResourceNotFound", "The specified resource does not exist."));

        var result = TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 3);

        Assert.Equal(2, result.FailedIndex);
        Assert.Equal(StorageOutcome.NotFound, result.Outcome);
    }

    [Fact]
    public void An_index_beyond_the_batch_falls_back_to_the_Content_ID()
    {
        var body = Multipart(FailurePart("409 Conflict", contentId: 1, "EntityAlreadyExists", "7:The specified entity already exists."));

        var result = TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 3);

        Assert.Equal(0, result.FailedIndex);
    }

    [Fact]
    public void An_unexpected_inner_failure_throws_with_the_index_and_code()
    {
        var body = Multipart(FailurePart("400 Bad Request", contentId: 2, "InvalidInput", "1:Bad Request - Error in query syntax."));

        var error = Assert.Throws<TableTransactionFailedException>(() => TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 2));

        Assert.Equal(400, error.Status);
        Assert.Equal(1, error.FailedIndex);
        Assert.Equal("InvalidInput", error.ErrorCode);
        Assert.Contains("operation 1", error.Message);
    }

    [Fact]
    public void An_expected_status_without_any_index_throws_rather_than_guessing()
    {
        var body = Multipart(FailurePart("409 Conflict", contentId: null, "EntityAlreadyExists", "The specified entity already exists."));

        var error = Assert.Throws<TableTransactionFailedException>(() => TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 2));

        Assert.Null(error.FailedIndex);
        Assert.Equal(409, error.Status);
    }

    [Fact]
    public void A_success_with_the_wrong_number_of_parts_is_an_error()
    {
        var body = Multipart(SuccessPart(1, ETag1));

        var error = Assert.Throws<RequestFailedException>(() => TableTransactionBatch.ParseResponse(new CannedResponse(202, body), operationCount: 2));

        Assert.Contains("1 results for 2 operations", error.Message);
    }

    [Fact]
    public void A_rejected_batch_throws_with_the_outer_status_and_code()
    {
        const string error = """{"odata.error":{"code":"InvalidInput","message":{"lang":"en-US","value":"Bad batch."}}}""";

        var thrown = Assert.Throws<RequestFailedException>(() => TableTransactionBatch.ParseResponse(new CannedResponse(400, error, "Bad Request"), operationCount: 1));

        Assert.Equal(400, thrown.Status);
        Assert.Equal("InvalidInput", thrown.ErrorCode);
        Assert.IsNotType<TableTransactionFailedException>(thrown);
    }

    [Fact]
    public void A_throttled_batch_throws_StorageThrottledException()
    {
        var response = new CannedResponse(503, "", "Server Busy", ("x-ms-error-code", "ServerBusy"));

        var thrown = Assert.Throws<StorageThrottledException>(() => TableTransactionBatch.ParseResponse(response, operationCount: 1));

        Assert.Equal("ServerBusy", thrown.ErrorCode);
    }

    private static string Multipart(params string[] parts) =>
        "--batchresponse_6d1b\r\n" +
        "Content-Type: multipart/mixed; boundary=changesetresponse_91c4\r\n\r\n" +
        string.Concat(parts.Select(p => "--changesetresponse_91c4\r\n" + p)) +
        "--changesetresponse_91c4--\r\n" +
        "--batchresponse_6d1b--\r\n";

    private static string SuccessPart(int contentId, string? etag) =>
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
        "HTTP/1.1 204 No Content\r\n" +
        $"Content-ID: {contentId}\r\n" +
        "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\nPreference-Applied: return-no-content\r\n" +
        "DataServiceVersion: 3.0;\r\n" +
        "Location: http://127.0.0.1:10002/devstoreaccount1/jobs(PartitionKey='p',RowKey='r')\r\n" +
        (etag is null ? "" : $"ETag: {etag}\r\n") +
        "\r\n\r\n";

    private static string FailurePart(string status, int? contentId, string code, string message) =>
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
        $"HTTP/1.1 {status}\r\n" +
        (contentId is null ? "" : $"Content-ID: {contentId}\r\n") +
        "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\nDataServiceVersion: 3.0;\r\n" +
        "Content-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8\r\n\r\n" +
        "{\"odata.error\":{\"code\":\"" + code + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"" + message +
        "\\nRequestId:0f8fad5b-d9cb-469f-a165-70867728950e\\nTime:2024-01-01T00:00:00.0000000Z\"}}}" +
        "\r\n";
}
