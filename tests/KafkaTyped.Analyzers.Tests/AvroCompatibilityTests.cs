namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// The resolution check on schema JSON: the cases the generated schemas do not produce by themselves (unions of several
/// branches, aliases, enum defaults, recursion, schemas written by other tools) and unreadable schemas.
/// </summary>
public sealed class AvroCompatibilityTests
{
    private static List<AvroIncompatibility> Check(string reader, string writer) => AvroCompatibility.Check(reader, writer, "the writer");

    private static string Record(string fields, string name = "R") => "{\"type\":\"record\",\"name\":\"" + name + "\",\"namespace\":\"N\",\"fields\":[" + fields + "]}";

    private static string Field(string name, string type, bool withDefault = false) => "{\"name\":\"" + name + "\",\"type\":" + type + (withDefault ? ",\"default\":null}" : "}");

    [Theory]
    [InlineData("\"int\"", "\"long\"")]
    [InlineData("\"int\"", "\"float\"")]
    [InlineData("\"int\"", "\"double\"")]
    [InlineData("\"long\"", "\"float\"")]
    [InlineData("\"long\"", "\"double\"")]
    [InlineData("\"float\"", "\"double\"")]
    [InlineData("\"string\"", "\"bytes\"")]
    [InlineData("\"bytes\"", "\"string\"")]
    [InlineData("\"int\"", "[\"null\",\"long\"]")]
    [InlineData("[\"null\",\"int\"]", "[\"null\",\"string\",\"long\"]")]
    [InlineData("[\"int\",\"string\"]", "[\"string\",\"long\",\"null\"]")]
    [InlineData("{\"type\":\"array\",\"items\":\"int\"}", "{\"type\":\"array\",\"items\":\"double\"}")]
    [InlineData("{\"type\":\"map\",\"values\":\"float\"}", "{\"type\":\"map\",\"values\":[\"null\",\"double\"]}")]
    [InlineData("{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}", "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}")]
    public void A_promotion_or_a_wider_union_reads_the_writer(string writerType, string readerType)
        => Assert.Empty(Check(Record(Field("v", readerType)), Record(Field("v", writerType))));

    [Theory]
    [InlineData("\"long\"", "\"int\"", "changed type from 'long' to 'int'")]
    [InlineData("\"double\"", "\"float\"", "changed type from 'double' to 'float'")]
    [InlineData("\"string\"", "\"int\"", "changed type from 'string' to 'int'")]
    [InlineData("\"boolean\"", "\"int\"", "changed type from 'boolean' to 'int'")]
    [InlineData("[\"null\",\"string\",\"int\"]", "[\"null\",\"string\"]", "cannot hold 'int', which the writer can write")]
    [InlineData("[\"null\",\"int\"]", "\"long\"", "cannot hold 'null', which the writer can write")]
    [InlineData("\"string\"", "[\"null\",\"int\"]", "cannot hold 'string', which the writer writes")]
    [InlineData("{\"type\":\"array\",\"items\":\"int\"}", "{\"type\":\"map\",\"values\":\"int\"}", "changed type from an array of 'int' to a map of 'int'")]
    [InlineData("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}", "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":12,\"scale\":2}", "changed its decimal from precision 10, scale 2 to precision 12, scale 2")]
    [InlineData("{\"type\":\"int\",\"logicalType\":\"date\"}", "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}", "changed its logical type from 'date' to 'timestamp-micros'")]
    [InlineData("\"string\"", "{\"type\":\"string\",\"logicalType\":\"uuid\"}", "changed its logical type from none to 'uuid'")]
    public void A_change_Avro_cannot_resolve_is_reported_with_its_rule(string writerType, string readerType, string rule)
    {
        var problem = Assert.Single(Check(Record(Field("v", readerType)), Record(Field("v", writerType))));

        Assert.Equal("v", problem.Path);
        Assert.StartsWith(rule, problem.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_are_matched_by_name_or_by_a_reader_alias_and_extra_writer_fields_are_skipped()
    {
        var writer = Record(Field("a", "\"int\"") + "," + Field("old", "\"string\"") + "," + Field("gone", "\"boolean\""));
        var reader = Record("{\"name\":\"renamed\",\"type\":\"string\",\"aliases\":[\"old\"]}," + Field("a", "\"long\"") + "," + Field("added", "[\"null\",\"int\"]", withDefault: true));

        Assert.Empty(Check(reader, writer));
    }

    [Fact]
    public void A_renamed_record_reads_its_old_records_only_with_an_alias()
    {
        var writer = Record(Field("a", "\"int\""), "Old");

        Assert.Equal("record 'N.Old' is now named 'N.New', with no alias for the old name", Assert.Single(Check(Record(Field("a", "\"int\""), "New"), writer)).Rule);
        Assert.Empty(Check("{\"type\":\"record\",\"name\":\"New\",\"namespace\":\"N\",\"aliases\":[\"Old\"],\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}", writer));
    }

    [Fact]
    public void An_enum_without_a_symbol_the_writer_has_needs_a_default_symbol()
    {
        var writer = Record(Field("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}"));

        Assert.Equal(
            "enum 'N.E' lost the symbols 'B', 'C', which the writer can write, and has no default symbol",
            Assert.Single(Check(Record(Field("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"D\"]}")), writer)).Rule);
        Assert.Empty(Check(Record(Field("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"D\"],\"default\":\"A\"}")), writer));
    }

    [Fact]
    public void A_recursive_record_is_checked_once_per_path_and_ends()
    {
        const string Tree = "{\"type\":\"record\",\"name\":\"Tree\",\"namespace\":\"N\",\"fields\":[{\"name\":\"children\",\"type\":{\"type\":\"array\",\"items\":\"Tree\"}},{\"name\":\"size\",\"type\":\"TYPE\"}]}";

        Assert.Empty(Check(Tree.Replace("TYPE", "long", StringComparison.Ordinal), Tree.Replace("TYPE", "int", StringComparison.Ordinal)));
        Assert.Equal("size", Assert.Single(Check(Tree.Replace("TYPE", "int", StringComparison.Ordinal), Tree.Replace("TYPE", "long", StringComparison.Ordinal))).Path);
    }

    [Fact]
    public void A_record_reached_by_many_paths_is_walked_once_when_compatible_and_the_problems_are_bounded()
    {
        // R0 has two fields of R1, R1 two of R2, ... 40 levels: 2^40 paths to the innermost record.
        static string Chain(string leafType)
        {
            var schema = "{\"type\":\"record\",\"name\":\"R40\",\"fields\":[{\"name\":\"v\",\"type\":\"" + leafType + "\"}]}";
            for (var i = 39; i >= 0; i--)
            {
                schema = "{\"type\":\"record\",\"name\":\"R" + i + "\",\"fields\":[{\"name\":\"a\",\"type\":" + schema + "},{\"name\":\"b\",\"type\":\"R" + (i + 1) + "\"}]}";
            }

            return schema;
        }

        Assert.Empty(Check(Chain("long"), Chain("int")));
        Assert.Equal(100, Check(Chain("int"), Chain("string")).Count);
    }

    [Fact]
    public void Names_are_resolved_by_full_name_and_relative_to_the_enclosing_namespace()
    {
        var schema = Record(Field("a", "{\"type\":\"record\",\"name\":\"Inner\",\"fields\":[]}") + "," + Field("b", "\"Inner\"") + "," + Field("c", "\"N.Inner\""));

        Assert.Empty(Check(schema, schema));
        var parsed = Assert.IsType<AvroRecord>(AvroSchemaParser.Parse(schema));
        Assert.All(parsed.Fields, f => Assert.Equal("N.Inner", Assert.IsType<AvroRecord>(f.Type).FullName));
    }

    [Theory]
    [InlineData("", "not valid JSON at character 1: unexpected end")]
    [InlineData("{\"type\":\"record\",\"name\":\"R\"", "not valid JSON at character 28: expected '}'")]
    [InlineData("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Missing\"}]}", "'Missing' is not a type defined before it is used")]
    [InlineData("{\"type\":\"enum\",\"name\":\"E\"}", "enum 'E' has no 'symbols'")]
    [InlineData("{\"type\":\"record\",\"name\":\"R\",\"fields\":[]} x", "not valid JSON at character 42: text after the schema")]
    [InlineData("42", "a schema is a type name, an object or an array (a union)")]
    public void An_unreadable_schema_is_a_format_error(string json, string message)
        => Assert.Equal(message, Assert.Throws<FormatException>(() => AvroSchemaParser.Parse(json)).Message);

    [Fact]
    public void Deep_nesting_is_refused_not_a_stack_overflow()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"type\":\"array\",\"items\":", 10_000)) + "\"int\"" + new string('}', 10_000);

        Assert.Contains("nesting deeper than", Assert.Throws<FormatException>(() => AvroSchemaParser.Parse(deep)).Message, StringComparison.Ordinal);
    }
}
