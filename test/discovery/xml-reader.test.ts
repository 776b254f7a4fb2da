import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_DEPTH,
  XmlParseError,
  attributeNamed,
  childNamed,
  findDescendant,
  parseXml,
  textAt,
} from '../../src-main/discovery/xml-reader.js';
import { onvifFixture, onvifFixtureNames } from './support.js';

test('elements, prefixes and namespaces: a prefix resolves to its declaration, a default namespace applies below', () => {
  const root = parseXml(
    '<?xml version="1.0"?><s:Envelope xmlns:s="urn:soap" xmlns="urn:default"><s:Body><Thing a="1" p:b="2" xmlns:p="urn:p"><p:Inner/></Thing></s:Body></s:Envelope>',
  );
  assert.equal(root.name, 'Envelope');
  assert.equal(root.prefix, 's');
  assert.equal(root.ns, 'urn:soap');
  const thing = root.children[0]!.children[0]!;
  assert.equal(thing.name, 'Thing');
  assert.equal(thing.ns, 'urn:default');
  assert.equal(attributeNamed(thing, 'a'), '1');
  assert.equal(attributeNamed(thing, 'b'), '2');
  assert.equal(thing.attributes.has('xmlns:p'), false, 'declarations are not attributes');
  assert.equal(thing.children[0]!.ns, 'urn:p');
});

test('text: entities and character references are decoded, CDATA kept as is, comments dropped', () => {
  const root = parseXml('<a>x &lt;&gt;&amp;&quot;&apos; &#65;&#x42;<!-- c --><![CDATA[<raw & stuff>]]></a>');
  assert.equal(root.text, `x <>&"' AB<raw & stuff>`);
});

test('lookups by local name ignore prefixes; textAt trims and treats empty as absent', () => {
  const root = parseXml('<x:a xmlns:x="u"><x:b><y:c xmlns:y="v">  hi  </y:c><d></d></x:b></x:a>');
  assert.equal(textAt(root, 'b', 'c'), 'hi');
  assert.equal(textAt(root, 'b', 'd'), undefined);
  assert.equal(textAt(root, 'b', 'missing'), undefined);
  assert.equal(findDescendant(root, 'c')?.ns, 'v');
  assert.equal(childNamed(root, 'c'), undefined);
});

test('every ONVIF fixture parses', () => {
  const names = onvifFixtureNames();
  assert.ok(names.length >= 9);
  for (const name of names) {
    const root = parseXml(onvifFixture(name));
    assert.equal(root.name, 'Envelope', name);
  }
});

test('refuses a DOCTYPE (no entity can expand, no file is named), unknown entities and bare ampersands', () => {
  const cases: Array<[string, RegExp]> = [
    ['<!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>', /document type declarations are not allowed/],
    ['<a>&nbsp;</a>', /unknown entity &nbsp;/],
    ['<a>fish & chips</a>', /"&" that starts no entity/],
    ['<a>&#0;</a>', /names no character/],
    ['<a>&#xD800;</a>', /names no character/],
    ['<a b="<"/>', /"<" in the value/],
  ];
  for (const [xml, message] of cases) {
    assert.throws(
      () => parseXml(xml),
      (err: unknown) => err instanceof XmlParseError && message.test(err.message),
      xml,
    );
  }
});

test('refuses broken structure with the offset where reading stopped', () => {
  const cases: Array<[string, RegExp]> = [
    ['<a><b></a>', /end tag <\/a> does not close <b>/],
    ['<a>', /<a> is never closed/],
    ['</a>', /without a start tag/],
    ['<a/><b/>', /a second root element/],
    ['text<a/>', /text outside the root element/],
    ['', /no root element/],
    ['<a b=1/>', /not quoted/],
    ['<a b="1"c="2"/>', /separated by space/],
    ['<a b="1" b="2"/>', /appears twice/],
    ['<a><!-- open', /unterminated comment/],
    ['<1a/>', /bad element name/],
    ['<a', /unterminated start tag/],
  ];
  for (const [xml, message] of cases) {
    assert.throws(
      () => parseXml(xml),
      (err: unknown) => err instanceof XmlParseError && err.code === 'ONVIF_BAD_RESPONSE' && message.test(err.message),
      xml,
    );
  }
  try {
    parseXml('<a><b></c></a>');
  } catch (err) {
    assert.ok(err instanceof XmlParseError);
    assert.equal(err.offset, 6);
  }
});

test('refuses nesting deeper than MAX_DEPTH without recursing (a hostile answer cannot blow the stack)', () => {
  const deep = '<a>'.repeat(MAX_DEPTH + 1) + '</a>'.repeat(MAX_DEPTH + 1);
  assert.throws(() => parseXml(deep), /nested deeper than 64/);
  const ok = '<a>'.repeat(MAX_DEPTH) + '</a>'.repeat(MAX_DEPTH);
  assert.equal(parseXml(ok).name, 'a');
  assert.throws(() => parseXml('<a>' + '<b/>'.repeat(20_001) + '</a>'), /more than 20000 elements/);
});
