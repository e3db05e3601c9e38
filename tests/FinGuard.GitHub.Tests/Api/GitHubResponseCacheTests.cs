using FinGuard.GitHub.Api;

namespace FinGuard.GitHub.Tests.Api;

public sealed class GitHubResponseCacheTests
{
    private static byte[] Bytes(int length) => new byte[length];

    [Fact]
    public void Entries_are_per_installation_and_path()
    {
        var cache = new GitHubResponseCache();
        cache.Set(1, "repos/o/r/pulls/1", "W/\"a\"", [1, 2, 3], null);

        Assert.Equal([1, 2, 3], cache.TryGet(1, "repos/o/r/pulls/1")!.Body);
        Assert.Null(cache.TryGet(2, "repos/o/r/pulls/1"));
        Assert.Null(cache.TryGet(1, "repos/o/r/pulls/2"));
    }

    [Fact]
    public void The_least_recently_used_entry_goes_first_when_the_byte_cap_is_reached()
    {
        var cache = new GitHubResponseCache(maxBytes: 800, maxEntries: 100);
        cache.Set(1, "a", "\"a\"", Bytes(100), null);
        cache.Set(1, "b", "\"b\"", Bytes(100), null);
        Assert.NotNull(cache.TryGet(1, "a")); // "a" is now more recent than "b"
        for (var i = 0; i < 7; i++)
        {
            cache.Set(1, $"c{i}", "\"c\"", Bytes(100), null);
        }

        Assert.InRange(cache.Bytes, 0, 800);
        Assert.NotNull(cache.TryGet(1, "a"));
        Assert.Null(cache.TryGet(1, "b"));
    }

    [Fact]
    public void Entry_count_is_capped_and_oversized_bodies_are_not_cached()
    {
        var cache = new GitHubResponseCache(maxBytes: 8000, maxEntries: 3);
        for (var i = 0; i < 10; i++)
        {
            cache.Set(1, $"p{i}", "\"e\"", Bytes(10), null);
        }

        Assert.Equal(3, cache.Count);
        cache.Set(1, "huge", "\"h\"", Bytes(1001), null);
        Assert.Null(cache.TryGet(1, "huge"));
        Assert.Equal(30, cache.Bytes);
    }

    [Fact]
    public void Replacing_or_removing_an_entry_keeps_the_byte_count_right()
    {
        var cache = new GitHubResponseCache();
        cache.Set(1, "a", "\"1\"", Bytes(50), null);
        cache.Set(1, "a", "\"2\"", Bytes(70), null);
        Assert.Equal(70, cache.Bytes);
        Assert.Equal("\"2\"", cache.TryGet(1, "a")!.ETag);
        cache.Remove(1, "a");
        Assert.Equal(0, cache.Bytes);
        Assert.Equal(0, cache.Count);
    }
}
