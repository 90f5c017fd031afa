#!/usr/bin/perl
# A tiny GeoIP2-Country-shaped mmdb for the darknet test (MaxMind::DB::Writer, Debian
# package libmaxmind-db-writer-perl): 100.64.0.0/16 JP, 100.65.0.0/16 US,
# 2001:db8:beef::/48 DE. Usage: mkmmdb.pl OUT.mmdb
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version => 6,
	record_size => 24,
	database_type => 'GeoIP2-Country',
	languages => ['en'],
	description => { en => 'ispshield darknet test' },
	map_key_type_callback => sub { $_[0] eq 'iso_code' ? 'utf8_string' : 'map' },
	alias_ipv6_to_ipv4 => 1,
	remove_reserved_networks => 0, # the test uses documentation and shared ranges
);
$tree->insert_network('100.64.0.0/16', { country => { iso_code => 'JP' } });
$tree->insert_network('100.65.0.0/16', { country => { iso_code => 'US' } });
$tree->insert_network('2001:db8:beef::/48', { country => { iso_code => 'DE' } });
open my $fh, '>:raw', $ARGV[0] or die "$ARGV[0]: $!";
$tree->write_tree($fh);
close $fh;
