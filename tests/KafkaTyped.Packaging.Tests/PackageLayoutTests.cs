using System.IO.Compression;
using System.Xml.Linq;

namespace KafkaTyped.Packaging.Tests;

/// <summary>What a user gets in the packages: the runtime, the compiler plug-ins, the build settings and the right dependencies.</summary>
public sealed class PackageLayoutTests(PackedPackages packages)
{
    private static readonly string[] CompilerPlugins = ["KafkaTyped.Generators", "KafkaTyped.Analyzers", "KafkaTyped.CodeFixes"];

    [Fact]
    public void KafkaTypedCarriesTheRuntimeTheCompilerPluginsAndTheNativeAotTargets()
    {
        var entries = Entries("KafkaTyped");

        Assert.Contains("lib/net10.0/KafkaTyped.dll", entries);
        Assert.Contains("lib/net10.0/KafkaTyped.xml", entries); // IntelliSense for the public API
        foreach (var plugin in CompilerPlugins)
        {
            Assert.Contains($"analyzers/dotnet/cs/{plugin}.dll", entries);
        }

        Assert.Contains("buildTransitive/KafkaTyped.targets", entries);

        // Every file the targets import must be in the package beside them, or every consumer's build fails.
        var targets = XDocument.Parse(ReadEntry("KafkaTyped", "buildTransitive/KafkaTyped.targets"));
        foreach (var import in targets.Descendants().Where(e => e.Name.LocalName == "Import"))
        {
            var project = import.Attribute("Project")!.Value.Replace("$(MSBuildThisFileDirectory)", string.Empty, StringComparison.Ordinal);
            Assert.Contains($"buildTransitive/{project}", entries);
        }

        // The compiler plug-ins are loaded by the compiler only, never referenced by the application.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && CompilerPlugins.Any(p => e.EndsWith($"/{p}.dll", StringComparison.Ordinal)));
    }

    [Fact]
    public void KafkaTypedTargetsRootConfluentKafkaWhenPublishingWithNativeAot()
    {
        var targets = XDocument.Parse(ReadEntry("KafkaTyped", "buildTransitive/KafkaTyped.targets"));

        var roots = targets.Descendants(XName.Get("TrimmerRootAssembly", "")).ToList();
        var root = Assert.Single(roots);
        Assert.Equal("Confluent.Kafka", root.Attribute("Include")?.Value);
        var condition = root.Parent?.Attribute("Condition")?.Value ?? string.Empty;
        Assert.Contains("PublishAot", condition, StringComparison.Ordinal);
    }

    [Fact]
    public void KafkaTypedDependsOnItsRuntimePackagesAndOnNoCompilerPluginProject()
    {
        var dependencies = Dependencies("KafkaTyped");

        Assert.Contains("Confluent.Kafka", dependencies);
        Assert.Contains("MessagePack", dependencies);
        Assert.Contains("Microsoft.Extensions.Hosting.Abstractions", dependencies);
        foreach (var plugin in CompilerPlugins)
        {
            Assert.DoesNotContain(plugin, dependencies);
        }
    }

    [Theory]
    [InlineData("KafkaTyped.Sqlite", "Microsoft.Data.Sqlite")]
    [InlineData("KafkaTyped.PostgreSql", "Npgsql")]
    public void AStoragePackageCarriesItsStoresAndBringsItsDriverAndTheRuntime(string id, string driver)
    {
        var entries = Entries(id);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);

        var dependencies = Dependencies(id);
        Assert.Contains(driver, dependencies);
        var runtime = Nuspec(id).Descendants().Single(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "KafkaTyped");
        Assert.Equal(packages.Version, (string?)runtime.Attribute("version"));
    }

    [Fact]
    public void KafkaTypedTestingCarriesTheEmbeddedClusterAndBringsLibrdkafka()
    {
        var entries = Entries("KafkaTyped.Testing");
        Assert.Contains("lib/net10.0/KafkaTyped.Testing.dll", entries);
        Assert.Contains("lib/net10.0/KafkaTyped.Testing.xml", entries);
        // librdkafka's own files come with its package, not copied into ours.
        Assert.DoesNotContain(entries, e => e.StartsWith("content", StringComparison.Ordinal) || e.Contains("librdkafka", StringComparison.OrdinalIgnoreCase));

        var dependencies = Dependencies("KafkaTyped.Testing");
        Assert.Contains("Confluent.Kafka", dependencies);
        Assert.Contains("librdkafka.redist", dependencies); // the native library the embedded cluster runs

        // UseEmbeddedCluster configures KafkaTyped's options: the runtime package of the same version comes along.
        var runtime = Nuspec("KafkaTyped.Testing").Descendants().Single(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "KafkaTyped");
        Assert.Equal(packages.Version, (string?)runtime.Attribute("version"));
        foreach (var plugin in CompilerPlugins)
        {
            Assert.DoesNotContain(plugin, dependencies);
        }
    }

    [Fact]
    public void EveryPackageHasTheVersionItWasPackedWith()
    {
        foreach (var id in PackedPackages.PackageIds)
        {
            var metadata = Nuspec(id).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            Assert.Equal(id, metadata.Elements().Single(e => e.Name.LocalName == "id").Value);
            Assert.Equal(packages.Version, metadata.Elements().Single(e => e.Name.LocalName == "version").Value);
        }
    }

    private List<string> Entries(string id)
    {
        using var archive = ZipFile.OpenRead(packages.PackagePath(id));
        return archive.Entries.Select(e => e.FullName.Replace('\\', '/')).ToList();
    }

    private string ReadEntry(string id, string path)
    {
        using var archive = ZipFile.OpenRead(packages.PackagePath(id));
        var entry = archive.GetEntry(path) ?? throw new InvalidOperationException($"{id} has no {path}; entries: {string.Join(", ", archive.Entries.Select(e => e.FullName))}");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    private XDocument Nuspec(string id) => XDocument.Parse(ReadEntry(id, $"{id}.nuspec"));

    /// <summary>Package ids of every dependency group of the package.</summary>
    private List<string> Dependencies(string id)
        => Nuspec(id).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string?)e.Attribute("id") ?? string.Empty).ToList();
}
