using System.Text.Json;
using Azure;
using Azure.Core;
using Coordination.Storage.Tables;
using Coordination.UnitTests.Support;

namespace Coordination.UnitTests.Storage;

public sealed class TableRequestTests
{
    private const string Base = "http://127.0.0.1:10002/devstoreaccount1";
    private static readonly ETag Version = new("W/\"datetime'2024-01-01T00%3A00%3A00.1234567Z'\"");

    private readonly TableStore _client = new(OfflineStorage.Connection, "jobs", OfflineStorage.Options());

    [Fact]
    public void Entity_address_doubles_single_quotes_then_percent_encodes_keys()
    {
        using var message = _client.CreateGetEntityRequest("it's", "a/b c#é", select: null);

        Assert.Equal($"{Base}/jobs(PartitionKey='it%27%27s',RowKey='a%2Fb%20c%23%C3%A9')", message.Request.Uri.ToString());
        Assert.Equal(RequestMethod.Get, message.Request.Method);
    }

    [Fact]
    public void Every_request_states_version_metadata_level_and_data_service_version()
    {
        using var message = _client.CreateGetEntityRequest("p", "r", select: null);
        var request = message.Request;

        Assert.Equal("2019-02-02", request.Header("x-ms-version"));
        Assert.Equal("application/json;odata=minimalmetadata", request.Header("Accept"));
        Assert.Equal("3.0", request.Header("DataServiceVersion"));
        Assert.Equal("3.0;NetFx", request.Header("MaxDataServiceVersion"));
        Assert.False(request.Headers.Contains("Prefer"));
        Assert.False(request.Headers.Contains("If-Match"));
    }

    [Fact]
    public void Get_entity_with_select_lists_the_properties()
    {
        using var message = _client.CreateGetEntityRequest("p", "r", ["Status", "Owner"]);

        Assert.Equal($"{Base}/jobs(PartitionKey='p',RowKey='r')?$select=Status%2COwner", message.Request.Uri.ToString());
    }

    [Fact]
    public void Create_table_posts_the_name_to_Tables_without_echo()
    {
        using var message = _client.CreateCreateTableRequest();

        Assert.Equal(RequestMethod.Post, message.Request.Method);
        Assert.Equal($"{Base}/Tables", message.Request.Uri.ToString());
        Assert.Equal("return-no-content", message.Request.Header("Prefer"));
        Assert.Equal("""{"TableName":"jobs"}""", message.Request.BodyText());
    }

    [Fact]
    public void Add_posts_the_entity_json_to_the_table_without_echo_or_condition()
    {
        var entity = new TableEntity("p", "r") { ["Status"] = "open" };

        using var message = _client.CreateAddEntityRequest(entity);

        Assert.Equal(RequestMethod.Post, message.Request.Method);
        Assert.Equal($"{Base}/jobs", message.Request.Uri.ToString());
        Assert.Equal("return-no-content", message.Request.Header("Prefer"));
        Assert.Equal("application/json", message.Request.Header("Content-Type"));
        Assert.False(message.Request.Headers.Contains("If-Match"));
        Assert.Equal("""{"PartitionKey":"p","RowKey":"r","Status":"open"}""", message.Request.BodyText());
    }

    [Fact]
    public void Conditional_merge_sends_MERGE_with_the_etag_verbatim()
    {
        using var message = _client.CreateUpdateEntityRequest(new TableEntity("p", "r"), Version, TableUpdateMode.Merge);

        Assert.Equal("MERGE", message.Request.Method.Method);
        Assert.Equal($"{Base}/jobs(PartitionKey='p',RowKey='r')", message.Request.Uri.ToString());
        Assert.Equal(Version.ToString(), message.Request.Header("If-Match"));
        Assert.Equal("return-no-content", message.Request.Header("Prefer"));
    }

    [Fact]
    public void Conditional_replace_sends_PUT_with_the_etag()
    {
        using var message = _client.CreateUpdateEntityRequest(new TableEntity("p", "r"), ETag.All, TableUpdateMode.Replace);

        Assert.Equal(RequestMethod.Put, message.Request.Method);
        Assert.Equal("*", message.Request.Header("If-Match"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge, "MERGE")]
    [InlineData(TableUpdateMode.Replace, "PUT")]
    public void Upsert_carries_no_If_Match(TableUpdateMode mode, string method)
    {
        using var message = _client.CreateUpdateEntityRequest(new TableEntity("p", "r") { ["N"] = 1 }, default, mode);

        Assert.Equal(method, message.Request.Method.Method);
        Assert.False(message.Request.Headers.Contains("If-Match"));
        Assert.Equal("""{"PartitionKey":"p","RowKey":"r","N":1}""", message.Request.BodyText());
    }

    [Fact]
    public void Delete_is_conditional_and_has_no_body_or_Prefer()
    {
        using var message = _client.CreateDeleteEntityRequest("p", "r'1", Version);

        Assert.Equal(RequestMethod.Delete, message.Request.Method);
        Assert.Equal($"{Base}/jobs(PartitionKey='p',RowKey='r%27%271')", message.Request.Uri.ToString());
        Assert.Equal(Version.ToString(), message.Request.Header("If-Match"));
        Assert.False(message.Request.Headers.Contains("Prefer"));
        Assert.Null(message.Request.Content);
    }

    [Fact]
    public void Query_escapes_filter_and_select_and_sets_top()
    {
        using var message = _client.CreateQueryRequest("PartitionKey eq 'a b' and RowKey ge 'x/+'", ["A", "B"], 50, continuation: null);

        Assert.Equal(
            $"{Base}/jobs()?$filter=PartitionKey%20eq%20%27a%20b%27%20and%20RowKey%20ge%20%27x%2F%2B%27&$select=A%2CB&$top=50",
            message.Request.Uri.ToString());
        Assert.Equal(RequestMethod.Get, message.Request.Method);
    }

    [Fact]
    public void Query_without_options_has_no_query_string()
    {
        using var message = _client.CreateQueryRequest(null, null, null, null);

        Assert.Equal($"{Base}/jobs()", message.Request.Uri.ToString());
    }

    [Fact]
    public void Query_resumes_from_a_partition_and_row_continuation_token()
    {
        using var message = _client.CreateQueryRequest(null, null, null, "1!8!cA-- 1!12!cjE-");

        Assert.Equal($"{Base}/jobs()?NextPartitionKey=1%218%21cA--&NextRowKey=1%2112%21cjE-", message.Request.Uri.ToString());
    }

    [Fact]
    public void Query_resumes_from_a_partition_only_continuation_token()
    {
        using var message = _client.CreateQueryRequest(null, null, null, "pk");

        Assert.Equal($"{Base}/jobs()?NextPartitionKey=pk", message.Request.Uri.ToString());
    }

    [Fact]
    public void QueryAsync_refuses_a_page_size_outside_1_to_1000()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _client.QueryAsync(maxPerPage: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _client.QueryAsync(maxPerPage: 1001));
    }

    [Fact]
    public async Task UpdateEntityAsync_refuses_a_default_etag_before_sending()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _client.UpdateEntityAsync(new TableEntity("p", "r"), default));

        Assert.Equal("ifMatch", error.ParamName);
    }

    [Fact]
    public async Task DeleteEntityAsync_refuses_a_default_etag_before_sending()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _client.DeleteEntityAsync("p", "r", default));

        Assert.Equal("ifMatch", error.ParamName);
    }

    [Fact]
    public async Task The_offline_transport_really_refuses_to_send()
    {
        // Guards the other tests: if a builder ever sent, the test would fail here rather than reach a network.
        await Assert.ThrowsAsync<InvalidOperationException>(() => _client.ExistsAsync());
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("Jobs2024", true)]
    [InlineData("ab", false)]
    [InlineData("1abc", false)]
    [InlineData("a-bc", false)]
    [InlineData("tables", false)]
    [InlineData("Tables", false)]
    [InlineData("táble", false)]
    public void Table_names_follow_the_service_rule(string name, bool valid)
    {
        Assert.Equal(valid, TableStore.IsValidTableName(name));
    }

    [Fact]
    public void Table_names_may_have_63_characters_but_not_64()
    {
        Assert.True(TableStore.IsValidTableName("t" + new string('0', 62)));
        Assert.False(TableStore.IsValidTableName("t" + new string('0', 63)));
        Assert.Throws<ArgumentException>(() => new TableStore(OfflineStorage.Connection, "no-dash", OfflineStorage.Options()));
    }

    [Fact]
    public void Development_storage_points_at_the_Azurite_path_style_endpoints()
    {
        Assert.Equal(new Uri(Base), OfflineStorage.Connection.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), OfflineStorage.Connection.QueueEndpoint);
        Assert.Equal("devstoreaccount1", OfflineStorage.Connection.SharedKey!.AccountName);
    }

    [Fact]
    public void An_account_connection_string_derives_https_endpoints()
    {
        var connection = Coordination.Storage.StorageConnection.Parse("AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net");

        Assert.Equal(new Uri("https://acct.table.core.windows.net"), connection.TableEndpoint);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net"), connection.QueueEndpoint);
        Assert.Throws<FormatException>(() => Coordination.Storage.StorageConnection.Parse("AccountName=acct"));
        Assert.Throws<FormatException>(() => Coordination.Storage.StorageConnection.Parse("garbage"));
    }

    [Fact]
    public void The_body_is_valid_json_even_for_nasty_property_values()
    {
        var entity = new TableEntity("p", "r") { ["Text"] = "quote \" backslash \\ newline \n" };

        using var message = _client.CreateAddEntityRequest(entity);

        using var json = JsonDocument.Parse(message.Request.BodyText());
        Assert.Equal("quote \" backslash \\ newline \n", json.RootElement.GetProperty("Text").GetString());
    }
}
