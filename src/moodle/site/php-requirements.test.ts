import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { debianPackagesOf, phpMinimumOf, phpVersionAtLeast, releaseName, requiredPhpExtensions } from './php-requirements.ts'

describe('PHP requirements of Moodle releases', () => {
  it('knows the minimum PHP of every supported branch (Moodle PHP policy)', () => {
    assert.deepEqual(
      ['401', '402', '403', '404', '405', '500', '501'].map((b) => [releaseName(b), phpMinimumOf(b)]),
      [['4.1', '7.4.0'], ['4.2', '8.0.0'], ['4.3', '8.0.0'], ['4.4', '8.1.0'], ['4.5', '8.1.0'], ['5.0', '8.2.0'], ['5.1', '8.2.0']],
    )
    assert.equal(phpMinimumOf('400'), undefined)
    assert.equal(phpMinimumOf(undefined), undefined)
  })

  it('compares PHP versions as PHP_VERSION spells them', () => {
    assert.ok(phpVersionAtLeast('8.1.0', '8.1.0'))
    assert.ok(phpVersionAtLeast('8.2.36', '8.1.0'))
    assert.ok(phpVersionAtLeast('8.10.1', '8.2.0'))
    assert.ok(phpVersionAtLeast('8.3.6-1ubuntu1', '8.2.0'))
    assert.ok(!phpVersionAtLeast('8.0.30', '8.1.0'))
    assert.ok(!phpVersionAtLeast('7.4.33', '8.0.0'))
    assert.ok(!phpVersionAtLeast('not a version', '7.4.0'))
  })

  it('requires sodium from 4.2 on and the database driver of the site', () => {
    assert.ok(!requiredPhpExtensions('401', 'pgsql').includes('sodium'))
    assert.ok(requiredPhpExtensions('402', 'pgsql').includes('sodium'))
    assert.ok(requiredPhpExtensions('405', 'pgsql').includes('pgsql'))
    for (const dbtype of ['mysqli', 'mariadb', 'auroramysql']) assert.ok(requiredPhpExtensions('405', dbtype).includes('mysqli'), dbtype)
    assert.equal(requiredPhpExtensions('405', 'pgsql').length, 20)
  })

  it('names the Debian/Ubuntu package of each extension once', () => {
    assert.deepEqual(debianPackagesOf(['dom', 'xml', 'simplexml', 'mbstring', 'mysqli', 'sodium']), ['php-xml', 'php-mbstring', 'php-mysql', 'php-cli'])
  })
})
