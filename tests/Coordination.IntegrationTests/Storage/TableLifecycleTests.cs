using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Creating, probing and deleting tables against Azurite.</summary>
public sealed class TableLifecycleTests
{
    [Fact]
    public async Task Create_if_not_exists_is_idempotent_and_true_only_for_the_call_that_created_the_table()
    {
        var table = TestEnvironment.Table(TestEnvironment.UniqueTableName());
        Assert.False(await table.ExistsAsync());

        var first = await table.CreateIfNotExistsAsync();
        var second = await table.CreateIfNotExistsAsync();

        Assert.True(first);
        Assert.False(second);
        Assert.True(await table.ExistsAsync());
        Assert.True(await table.DeleteIfExistsAsync());
    }

    [Fact]
    public async Task Concurrent_creates_make_one_table_and_exactly_one_reports_creating_it()
    {
        var name = TestEnvironment.UniqueTableName();

        var created = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TestEnvironment.Table(name).CreateIfNotExistsAsync()));

        Assert.Single(created, c => c);
        Assert.True(await TestEnvironment.Table(name).DeleteIfExistsAsync());
    }

    [Fact]
    public async Task A_deleted_table_no_longer_exists_and_a_second_delete_is_false()
    {
        var table = await TestEnvironment.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));

        var first = await table.DeleteIfExistsAsync();
        var second = await table.DeleteIfExistsAsync();

        Assert.True(first);
        Assert.False(await table.ExistsAsync());
        Assert.False(second);
    }

    [Fact]
    public async Task An_insert_into_a_missing_table_is_rejected_rather_than_passing_for_a_missing_row()
    {
        var table = TestEnvironment.Table(TestEnvironment.UniqueTableName());

        var error = await Assert.ThrowsAsync<StorageRejectedException>(() => table.AddEntityAsync(new TableEntity("p", "r")));

        Assert.Equal((404, "TableNotFound"), (error.Status, error.ErrorCode));
    }

    [Fact]
    public async Task A_query_of_a_missing_table_is_rejected_rather_than_empty()
    {
        var table = TestEnvironment.Table(TestEnvironment.UniqueTableName());

        var error = await Assert.ThrowsAsync<StorageRejectedException>(() => table.QueryAsync(TableFilter.Partition("p")).ToListAsync());

        Assert.Equal((404, "TableNotFound"), (error.Status, error.ErrorCode));
    }

    [Theory]
    [InlineData("ab", false)]
    [InlineData("1abc", false)]
    [InlineData("tables", false)]
    [InlineData("Tables", false)]
    [InlineData("with-dash", false)]
    [InlineData("abc", true)]
    [InlineData("Coordination2", true)]
    public async Task The_table_name_check_agrees_with_the_service(string name, bool valid)
    {
        var table = TestEnvironment.Table(name);

        Assert.Equal(valid, TableStore.IsValidTableName(name));
        if (valid)
        {
            Assert.True(await table.CreateIfNotExistsAsync());
            Assert.True(await table.DeleteIfExistsAsync());
        }
        else
        {
            Assert.Equal(400, (await Assert.ThrowsAsync<StorageRejectedException>(() => table.CreateIfNotExistsAsync())).Status);
        }
    }
}
