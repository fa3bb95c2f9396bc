using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.State;

/// <summary>Shared state: versions, compare-and-set, atomic increment, poll and long-poll, keys of any characters.</summary>
public sealed class StateTests : IAsyncLifetime
{
    private RunningApp _app = null!;
    private TestSwarm _swarm = null!;
    private HttpClient _writer = null!;

    public async Task InitializeAsync()
    {
        // A 30 s fallback poll: a long-poll that returns quickly can only have been woken by the change itself.
        _app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
        {
            ["Coordination:EventPollMilliseconds"] = "30000",
            ["Coordination:Tenants:test:MaxPayloadBytes"] = "4096",
        });
        _swarm = await _app.CreateSwarmAsync(maxAgents: 60);
        _writer = _app.ClientFor(await _app.JoinAsync(_swarm, "writer"));
    }

    public async Task DisposeAsync()
    {
        _writer.Dispose();
        await _app.DisposeAsync();
    }

    private string Url(string key) => $"api/swarms/{_swarm.SwarmId}/state/{Uri.EscapeDataString(key)}";

    [Fact]
    public async Task Versions_increase_on_every_write_and_a_stale_compare_and_set_is_a_conflict_with_the_current_version()
    {
        var v1 = await PutAsync("config", new { retries = 3 });
        var v2 = await PutAsync("config", new { retries = 4 });
        Assert.Equal(1, (long)v1["version"]!);
        Assert.Equal(2, (long)v2["version"]!);

        using (var stale = await _writer.PutAsJsonAsync(Url("config"), new { value = new { retries = 9 }, ifVersion = 1 }))
        {
            var problem = await SwarmApi.EnsureProblemAsync(stale, HttpStatusCode.Conflict, "version_conflict");
            Assert.Equal(2, (long)problem["currentVersion"]!);
        }
        var current = JsonNode.Parse(await _writer.GetStringAsync(Url("config")))!;
        Assert.Equal(4, (int)current["value"]!["retries"]!);
        Assert.Equal("writer", (string?)current["updatedBy"]);

        using var cas = await _writer.PutAsJsonAsync(Url("config"), new { value = new { retries = 5 }, ifVersion = 2 });
        Assert.Equal(3, (long)(await SwarmApi.EnsureAsync(cas, HttpStatusCode.OK))["version"]!);
    }

    [Fact]
    public async Task Delete_leaves_a_version_so_recreating_never_repeats_one_and_if_version_zero_creates_only()
    {
        await PutAsync("ephemeral", "a");
        using (var delete = await _writer.DeleteAsync(Url("ephemeral") + "?ifVersion=1"))
        {
            Assert.Equal(2, (long)(await SwarmApi.EnsureAsync(delete, HttpStatusCode.OK))["version"]!);
        }
        using (var gone = await _writer.GetAsync(Url("ephemeral")))
        {
            await SwarmApi.EnsureProblemAsync(gone, HttpStatusCode.NotFound, "not_found");
        }
        using (var create = await _writer.PutAsJsonAsync(Url("ephemeral"), new { value = "b", ifVersion = 0 }))
        {
            Assert.Equal(3, (long)(await SwarmApi.EnsureAsync(create, HttpStatusCode.OK))["version"]!);
        }
        using var createAgain = await _writer.PutAsJsonAsync(Url("ephemeral"), new { value = "c", ifVersion = 0 });
        await SwarmApi.EnsureProblemAsync(createAgain, HttpStatusCode.Conflict, "version_conflict");
    }

    [Fact]
    public async Task Fifty_concurrent_incrementers_twenty_times_each_count_exactly_one_thousand()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i => _app.ClientFor(await _app.JoinAsync(_swarm, $"inc-{i}"))));
        await Task.WhenAll(clients.Select(async client =>
        {
            for (var i = 0; i < 20; i++)
            {
                using var response = await client.PostAsJsonAsync(Url("hits") + "/increment", new { delta = 1 });
                await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
            }
        }));
        var final = JsonNode.Parse(await _writer.GetStringAsync(Url("hits")))!;
        Assert.Equal(1000, (long)final["value"]!);
        Assert.Equal(1000, (long)final["version"]!);
        Assert.Equal(1000, (await _app.ReadAllEventsAsync(_swarm, "state.changed")).Count(e => (string?)e["subject"] == "hits"));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Increment_refuses_a_non_integer_value()
    {
        await PutAsync("label", "text");
        using var response = await _writer.PostAsJsonAsync(Url("label") + "/increment", new { delta = 2 });
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task An_increment_past_the_64_bit_range_is_refused_naming_delta_and_the_current_value_and_writes_nothing()
    {
        await PutAsync("near-max", long.MaxValue - 1);
        using (var response = await _writer.PostAsJsonAsync(Url("near-max") + "/increment", new { delta = 2 }))
        {
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Equal("delta", (string?)problem["field"]);
            Assert.Equal(long.MaxValue - 1, (long)problem["currentValue"]!);
            Assert.Contains((long.MaxValue - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)problem["detail"], StringComparison.Ordinal);
        }
        var stored = JsonNode.Parse(await _writer.GetStringAsync(Url("near-max")))!;
        Assert.Equal((1L, long.MaxValue - 1), ((long)stored["version"]!, (long)stored["value"]!));
    }

    [Fact]
    public async Task Poll_reports_a_key_that_has_no_row_at_version_zero_as_deleted()
    {
        var result = await PollAsync(new { keys = new[] { "never-written" }, lastVersions = new Dictionary<string, long> { ["never-written"] = 3 } });
        var entry = Assert.Single(result["changed"]!.AsArray())!;
        Assert.Equal(("never-written", 0L, true), ((string?)entry["key"], (long)entry["version"]!, (bool)entry["deleted"]!));
        Assert.Null(entry["value"]);
    }

    [Fact]
    public async Task Poll_returns_only_the_keys_whose_version_differs()
    {
        await PutAsync("p:a", 1);
        await PutAsync("p:b", 1);
        await PutAsync("p:b", 2);
        var result = await PollAsync(new { keys = new[] { "p:a", "p:b", "p:c" }, lastVersions = new Dictionary<string, long> { ["p:a"] = 1, ["p:b"] = 1 } });
        var changed = result["changed"]!.AsArray();
        var entry = Assert.Single(changed)!;
        Assert.Equal("p:b", (string?)entry["key"]);
        Assert.Equal(2, (long)entry["version"]!);
        Assert.Equal(2, (int)entry["value"]!);
    }

    [Fact]
    public async Task A_long_poll_returns_as_soon_as_a_watched_key_changes()
    {
        await PutAsync("watched", "before");
        var poll = PollAsync(new { keys = new[] { "watched" }, lastVersions = new Dictionary<string, long> { ["watched"] = 1 }, wait = 20 });
        await Task.Delay(500);
        Assert.False(poll.IsCompleted);
        await PutAsync("watched", "after");
        var finished = await Task.WhenAny(poll, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(poll, finished);
        Assert.Equal("after", (string?)(await poll)["changed"]![0]!["value"]);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a%2Fb")]
    [InlineData("config/prod #1 ?x=y & 100%")]
    [InlineData("ключ/😀")]
    public async Task Keys_of_any_characters_round_trip_through_the_route(string key)
    {
        await PutAsync(key, key);
        var read = JsonNode.Parse(await _writer.GetStringAsync(Url(key)))!;
        Assert.Equal(key, (string?)read["key"]);
        Assert.Equal(key, (string?)read["value"]);
    }

    [Fact]
    public async Task A_value_over_the_payload_limit_is_refused_and_not_written()
    {
        using var response = await _writer.PutAsJsonAsync(Url("big"), new { value = new string('x', 5000) });
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Forbidden, "quota_exceeded");
        using var read = await _writer.GetAsync(Url("big"));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Every_state_change_appears_once_in_the_log_with_its_version()
    {
        await PutAsync("audited", 1);
        await PutAsync("audited", 2);
        using (var increment = await _writer.PostAsJsonAsync(Url("audited") + "/increment", new { delta = 5 }))
        {
            await SwarmApi.EnsureAsync(increment, HttpStatusCode.OK);
        }
        using (var delete = await _writer.DeleteAsync(Url("audited")))
        {
            await SwarmApi.EnsureAsync(delete, HttpStatusCode.OK);
        }
        var log = (await _app.ReadAllEventsAsync(_swarm, "state.changed")).Where(e => (string?)e["subject"] == "audited").ToList();
        Assert.Equal([1L, 2, 3, 4], log.Select(e => (long)e["data"]!["version"]!));
        Assert.Equal(["set", "set", "incremented", "deleted"], log.Select(e => (string)e["data"]!["op"]!));
    }

    private async Task<JsonObject> PutAsync(string key, object value)
    {
        using var response = await _writer.PutAsJsonAsync(Url(key), new { value });
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }

    private async Task<JsonObject> PollAsync(object request)
    {
        using var response = await _writer.PostAsJsonAsync($"api/swarms/{_swarm.SwarmId}/state/poll", request);
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }
}
