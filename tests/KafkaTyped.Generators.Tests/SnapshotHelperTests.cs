using Xunit.Sdk;

namespace KafkaTyped.Generators.Tests;

/// <summary>The received/verified helper itself: a mismatch fails and leaves a received file; accepting makes it pass.</summary>
public sealed class SnapshotHelperTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kafkatyped-snapshots-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void AMissingOrChangedSnapshotFailsAndWritesAReceivedFileUntilAccepted()
    {
        var run = GeneratorHarness.Run("""
            [KafkaTyped.KafkaData]
            public partial record Sample(int Value);
            """);
        var verified = Path.Combine(_directory, "Case.Sample.g.verified.cs");
        var received = Path.Combine(_directory, "Case.Sample.g.received.cs");

        Assert.ThrowsAny<XunitException>(() => Snapshot.Verify(run, "Case", _directory, accept: false));
        Assert.True(File.Exists(received));
        Assert.False(File.Exists(verified));
        Assert.Contains("\"KafkaTyped.Generators\", \"VERSION\"", File.ReadAllText(received), StringComparison.Ordinal);

        File.Move(received, verified);
        Snapshot.Verify(run, "Case", _directory, accept: false);

        File.WriteAllText(verified, File.ReadAllText(verified).Replace("Value", "Other", StringComparison.Ordinal));
        Assert.ThrowsAny<XunitException>(() => Snapshot.Verify(run, "Case", _directory, accept: false));
        Assert.True(File.Exists(received));

        Snapshot.Verify(run, "Case", _directory, accept: true);
        Assert.False(File.Exists(received));
        Snapshot.Verify(run, "Case", _directory, accept: false);

        File.WriteAllText(Path.Combine(_directory, "Case.Gone.g.verified.cs"), "// stale");
        var stale = Assert.ThrowsAny<XunitException>(() => Snapshot.Verify(run, "Case", _directory, accept: false));
        Assert.Contains("no longer generated", stale.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
