using Coordination.Storage;
using Coordination.Storage.Tables;
using Coordination.UnitTests.Support;

namespace Coordination.UnitTests.Storage;

public sealed class SharedKeyTests
{
    private const string Date = "Mon, 01 Jan 2024 00:00:00 GMT";
    private const string Account = StorageConnection.DevelopmentAccountName;

    private static readonly StorageSharedKeyCredential Azurite = new(Account, StorageConnection.DevelopmentAccountKey);

    [Fact]
    public void Table_SharedKeyLite_matches_the_documented_test_vector()
    {
        var stringToSign = TableSharedKeyPolicy.BuildStringToSign(Date, Account, new Uri("http://127.0.0.1:10002/devstoreaccount1/Tables"));

        Assert.Equal("Mon, 01 Jan 2024 00:00:00 GMT\n/devstoreaccount1/devstoreaccount1/Tables", stringToSign);
        Assert.Equal("13UOPPE/P1+LLsRFYJCHphuPCEQ21EO/4WbbW+OXG4U=", Azurite.ComputeSignature(stringToSign));
    }

    [Fact]
    public void Table_resource_keeps_comp_and_drops_every_other_query_parameter()
    {
        var withComp = new Uri("http://127.0.0.1:10002/devstoreaccount1/Tables?NextTableName=abc&comp=properties&$top=5");
        var withoutComp = new Uri("http://127.0.0.1:10002/devstoreaccount1/jobs()?$filter=PartitionKey%20eq%20%27p%27&$top=5&NextPartitionKey=1!8!cA--");

        Assert.Equal(Date + "\n/devstoreaccount1/devstoreaccount1/Tables?comp=properties", TableSharedKeyPolicy.BuildStringToSign(Date, Account, withComp));
        Assert.Equal(Date + "\n/devstoreaccount1/devstoreaccount1/jobs()", TableSharedKeyPolicy.BuildStringToSign(Date, Account, withoutComp));
    }

    [Fact]
    public void Table_resource_uses_the_path_exactly_as_encoded()
    {
        var uri = new Uri("http://127.0.0.1:10002/devstoreaccount1/jobs(PartitionKey='p%27%271',RowKey='r%2F%C3%BC')");

        Assert.Equal(
            Date + "\n/devstoreaccount1/devstoreaccount1/jobs(PartitionKey='p%27%271',RowKey='r%2F%C3%BC')",
            TableSharedKeyPolicy.BuildStringToSign(Date, Account, uri));
    }

    [Fact]
    public void Table_policy_signs_the_date_it_sets_with_SharedKeyLite()
    {
        var client = new TableStore(OfflineStorage.Connection, "jobs", OfflineStorage.Options());
        using var message = client.CreateGetEntityRequest("p", "r", select: null);

        new TableSharedKeyPolicy(Azurite).OnSendingRequest(message);

        var date = message.Request.Header("x-ms-date");
        Assert.True(DateTimeOffset.TryParseExact(date, "r", null, System.Globalization.DateTimeStyles.AssumeUniversal, out _), date);
        var expected = Azurite.ComputeSignature(TableSharedKeyPolicy.BuildStringToSign(date, Account, message.Request.Uri.ToUri()));
        Assert.Equal($"SharedKeyLite devstoreaccount1:{expected}", message.Request.Header("Authorization"));
    }

    [Fact]
    public void Queue_SharedKey_string_to_sign_lists_verb_empty_standard_headers_canonical_headers_and_resource()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["x-ms-version"] = "2019-02-02",
            ["x-ms-date"] = Date,
            ["Accept"] = "application/xml",
            ["User-Agent"] = "azsdk-net/1.0",
        };
        var uri = new Uri("http://127.0.0.1:10001/devstoreaccount1/jobs/messages?visibilitytimeout=30&numofmessages=5");

        var stringToSign = QueueSharedKeyPolicy.BuildStringToSign("GET", 0, headers, Account, uri);

        Assert.Equal(
            "GET\n" +
            "\n" + // Content-Encoding
            "\n" + // Content-Language
            "\n" + // Content-Length (empty when 0)
            "\n" + // Content-MD5
            "\n" + // Content-Type
            "\n" + // Date (x-ms-date is used)
            "\n" + // If-Modified-Since
            "\n" + // If-Match
            "\n" + // If-None-Match
            "\n" + // If-Unmodified-Since
            "\n" + // Range
            "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n" +
            "x-ms-version:2019-02-02\n" +
            "/devstoreaccount1/devstoreaccount1/jobs/messages\nnumofmessages:5\nvisibilitytimeout:30",
            stringToSign);
    }

    [Fact]
    public void Queue_SharedKey_states_content_length_and_type_when_there_is_a_body()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/xml",
            ["x-ms-date"] = Date,
            ["x-ms-version"] = "2019-02-02",
        };
        var uri = new Uri("http://127.0.0.1:10001/devstoreaccount1/jobs/messages");

        var stringToSign = QueueSharedKeyPolicy.BuildStringToSign("post", 73, headers, Account, uri);

        Assert.Equal(
            "POST\n\n\n73\n\napplication/xml\n\n\n\n\n\n\n" +
            "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:2019-02-02\n" +
            "/devstoreaccount1/devstoreaccount1/jobs/messages",
            stringToSign);
    }

    [Fact]
    public void Queue_SharedKey_canonical_headers_are_lower_cased_sorted_and_whitespace_collapsed()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["X-MS-Version"] = "2019-02-02",
            ["x-ms-Client-Request-Id"] = "  id   with\t spaces ",
            ["x-ms-date"] = Date,
        };

        var stringToSign = QueueSharedKeyPolicy.BuildStringToSign("GET", 0, headers, Account, new Uri("http://127.0.0.1:10001/devstoreaccount1/jobs"));

        Assert.EndsWith(
            "\nx-ms-client-request-id:id with spaces\nx-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:2019-02-02\n/devstoreaccount1/devstoreaccount1/jobs",
            stringToSign);
    }

    [Fact]
    public void Queue_SharedKey_resource_lower_cases_sorts_and_url_decodes_query_parameters()
    {
        var uri = new Uri("http://127.0.0.1:10001/devstoreaccount1/jobs/messages/abc?VisibilityTimeout=30&popreceipt=AgAAAA%2BqL%2F8%3D&comp=x&comp=a");

        var stringToSign = QueueSharedKeyPolicy.BuildStringToSign("PUT", 0, new Dictionary<string, string>(), Account, uri);

        Assert.EndsWith(
            "/devstoreaccount1/devstoreaccount1/jobs/messages/abc\ncomp:a,x\npopreceipt:AgAAAA+qL/8=\nvisibilitytimeout:30",
            stringToSign);
    }

    [Fact]
    public void Signature_is_base64_hmac_sha256_of_the_utf8_string_to_sign()
    {
        var credential = new StorageSharedKeyCredential("acct", Convert.ToBase64String("key"u8.ToArray()));
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData("key"u8, "é\n/acct"u8));

        Assert.Equal(expected, credential.ComputeSignature("é\n/acct"));
    }

    [Fact]
    public void An_account_key_that_is_not_base64_is_refused_without_echoing_it()
    {
        var error = Assert.Throws<FormatException>(() => new StorageSharedKeyCredential("acct", "not base64!!"));

        Assert.DoesNotContain("not base64!!", error.Message);
    }
}
