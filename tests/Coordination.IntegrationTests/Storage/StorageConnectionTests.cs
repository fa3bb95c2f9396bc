using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Connection string parsing: every shape the Functions host and Azurite hand us, and clear errors for the rest.</summary>
public sealed class StorageConnectionTests
{
    private const string Key = StorageConnection.DevelopmentAccountKey;

    [Fact]
    public void Development_storage_points_at_the_well_known_azurite_account()
    {
        var connection = StorageConnection.Parse("UseDevelopmentStorage=true");

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), connection.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), connection.QueueEndpoint);
        Assert.Equal("devstoreaccount1", connection.SharedKey!.AccountName);
        Assert.Null(connection.TokenCredential);
    }

    [Fact]
    public void Development_storage_honours_a_proxy_host()
    {
        var connection = StorageConnection.Parse("UseDevelopmentStorage=TRUE; DevelopmentStorageProxyUri=http://devhost");

        Assert.Equal(new Uri("http://devhost:10002/devstoreaccount1"), connection.TableEndpoint);
        Assert.Equal(new Uri("http://devhost:10001/devstoreaccount1"), connection.QueueEndpoint);
    }

    [Fact]
    public void Account_name_and_key_build_endpoints_from_protocol_and_suffix()
    {
        var connection = StorageConnection.Parse($"DefaultEndpointsProtocol=https;AccountName=myacct;AccountKey={Key};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("https://myacct.table.core.chinacloudapi.cn"), connection.TableEndpoint);
        Assert.Equal(new Uri("https://myacct.queue.core.chinacloudapi.cn"), connection.QueueEndpoint);
        Assert.Equal("myacct", connection.SharedKey!.AccountName);
    }

    [Fact]
    public void Protocol_and_suffix_default_to_https_and_the_public_cloud()
    {
        var connection = StorageConnection.Parse($"AccountName=myacct;AccountKey={Key}");

        Assert.Equal(new Uri("https://myacct.table.core.windows.net"), connection.TableEndpoint);
        Assert.Equal(new Uri("https://myacct.queue.core.windows.net"), connection.QueueEndpoint);
    }

    [Fact]
    public void Explicit_endpoints_win_and_lose_their_trailing_slash()
    {
        var connection = StorageConnection.Parse(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};" +
            "BlobEndpoint=http://127.0.0.1:7000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:7001/devstoreaccount1/;TableEndpoint=http://127.0.0.1:7002/devstoreaccount1;");

        Assert.Equal("http://127.0.0.1:7002/devstoreaccount1", connection.TableEndpoint.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:7001/devstoreaccount1", connection.QueueEndpoint.AbsoluteUri);
    }

    [Fact]
    public void One_explicit_endpoint_leaves_the_other_derived()
    {
        var connection = StorageConnection.Parse($"AccountName=myacct;AccountKey={Key};TableEndpoint=https://tables.example.net");

        Assert.Equal(new Uri("https://tables.example.net"), connection.TableEndpoint);
        Assert.Equal(new Uri("https://myacct.queue.core.windows.net"), connection.QueueEndpoint);
    }

    [Fact]
    public void Names_are_case_insensitive_and_whitespace_around_segments_is_ignored()
    {
        var connection = StorageConnection.Parse($" accountname = myacct ; ACCOUNTKEY={Key} ;;endpointsuffix=example.org; ");

        Assert.Equal(new Uri("https://myacct.table.example.org"), connection.TableEndpoint);
        Assert.Equal("myacct", connection.SharedKey!.AccountName);
    }

    [Fact]
    public async Task The_test_run_connection_string_reaches_azurite()
    {
        var connection = StorageConnection.Parse(TestEnvironment.StorageConnectionString);
        var table = new TableStore(connection, TestEnvironment.UniqueTableName());

        Assert.True(await table.CreateIfNotExistsAsync());
        Assert.True(await table.ExistsAsync());
        await table.DeleteAsync();
    }

    [Theory]
    [InlineData("", "AccountName")]
    [InlineData("garbage", "malformed segment")]
    [InlineData("=value;AccountName=a", "malformed segment")]
    [InlineData("UseDevelopmentStorage=false", "AccountName")]
    [InlineData("AccountName=myacct", "AccountKey")]
    [InlineData("AccountName=myacct;AccountKey=", "AccountKey")]
    [InlineData("AccountKey=a2V5", "AccountName")]
    [InlineData("AccountName=myacct;AccountKey=not*base64!", "base64")]
    [InlineData("AccountName=myacct;AccountKey=a2V5;TableEndpoint=not a uri", "TableEndpoint")]
    [InlineData("AccountName=myacct;AccountKey=a2V5;QueueEndpoint=/relative/path", "QueueEndpoint")]
    [InlineData("AccountName=myacct;AccountKey=a2V5;TableEndpoint=ftp://host/x", "TableEndpoint")]
    [InlineData("AccountName=myacct;AccountKey=a2V5;DefaultEndpointsProtocol=ftp", "DefaultEndpointsProtocol")]
    [InlineData("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=::bad::", "DevelopmentStorageProxyUri")]
    public void Malformed_connection_strings_are_a_format_exception_that_names_the_problem(string connectionString, string mentioned)
    {
        var error = Assert.ThrowsAny<FormatException>(() => StorageConnection.Parse(connectionString));

        Assert.Contains(mentioned, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Errors_never_echo_the_account_key()
    {
        const string secret = "c2VjcmV0LWtleS12YWx1ZQ==";
        var error = Assert.ThrowsAny<FormatException>(() => StorageConnection.Parse($"AccountKey={secret};TableEndpoint=bad uri;garbage"));

        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_is_an_argument_null_exception()
    {
        Assert.Throws<ArgumentNullException>(() => StorageConnection.Parse(null!));
    }
}
