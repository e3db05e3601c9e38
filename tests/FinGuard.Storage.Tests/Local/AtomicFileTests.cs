using FinGuard.Storage.Local;

namespace FinGuard.Storage.Tests.Local;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _root = TestStorage.NewTempRoot();

    [Fact]
    public async Task Of_many_concurrent_creates_of_one_name_exactly_one_wins_and_its_bytes_stay()
    {
        var path = Path.Combine(_root, "a", "b", "record.json");
        var contents = Enumerable.Range(0, 32).Select(i => Enumerable.Repeat((byte)i, 10_000 + i).ToArray()).ToArray();

        var results = await Task.WhenAll(contents.Select(bytes => Task.Run(() => AtomicFile.TryCreateAsync(path, bytes, default))));

        var winner = Assert.Single(contents.Where((_, i) => results[i]));
        Assert.Equal(winner, await File.ReadAllBytesAsync(path));
        Assert.Equal(["record.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Replace_overwrites_atomically_and_leaves_no_temp_files()
    {
        var path = Path.Combine(_root, "state.json");
        await AtomicFile.ReplaceAsync(path, "one"u8.ToArray(), default);
        await AtomicFile.ReplaceAsync(path, "two"u8.ToArray(), default);

        Assert.Equal("two", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(_root));
    }

    public void Dispose() => TestStorage.DeleteTempRoot(_root);
}
