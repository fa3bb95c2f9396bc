using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Creating, probing and deleting tables against Azurite.</summary>
public sealed class TableLifecycleTests
{
    [Fact]
    public async Task Create_makes_the_table_and_a_second_create_is_already_exists()
    {
        var table = new TableStore(TestEnvironment.Storage, TestEnvironment.UniqueTableName());
        Assert.False(await table.ExistsAsync());

        var first = await table.CreateAsync();
        var second = await table.CreateAsync();

        Assert.Equal(StorageOutcome.Succeeded, first.Outcome);
        Assert.Equal(StorageOutcome.AlreadyExists, second.Outcome);
        Assert.Equal("TableAlreadyExists", second.ErrorCode);
        Assert.True(await table.ExistsAsync());
        Assert.False(await table.CreateIfNotExistsAsync());
        await table.DeleteAsync();
    }

    [Fact]
    public async Task Create_if_not_exists_is_true_only_for_the_call_that_created_it()
    {
        var table = new TableStore(TestEnvironment.Storage, TestEnvironment.UniqueTableName());

        Assert.True(await table.CreateIfNotExistsAsync());
        Assert.False(await table.CreateIfNotExistsAsync());
        await table.DeleteAsync();
    }

    [Fact]
    public async Task Deleted_table_no_longer_exists_and_a_second_delete_is_not_found()
    {
        var table = await TestEnvironment.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));

        var first = await table.DeleteAsync();
        var second = await table.DeleteAsync();

        Assert.Equal(StorageOutcome.Succeeded, first.Outcome);
        Assert.False(await table.ExistsAsync());
        Assert.Equal(StorageOutcome.NotFound, second.Outcome);
        Assert.Equal("ResourceNotFound", second.ErrorCode);
    }

    [Fact]
    public async Task Entity_operations_on_a_missing_table_throw_rather_than_pass_for_a_missing_row()
    {
        var table = new TableStore(TestEnvironment.Storage, TestEnvironment.UniqueTableName());

        var insert = await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "r")));

        Assert.Equal(404, insert.Status);
        Assert.Equal("TableNotFound", insert.ErrorCode);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1abc")]
    [InlineData("tables")]
    [InlineData("with-dash")]
    public void Invalid_table_names_are_refused_by_the_constructor(string name)
    {
        Assert.Throws<ArgumentException>(() => new TableStore(TestEnvironment.Storage, name));
    }
}
