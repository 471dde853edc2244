"""Creates a VPC, a /16 subnet, an m5.large-free set of ENIs on an EC2 endpoint and prints the ENI
IDs (one line, space separated). Used by run.sh for both vpc-emulator and moto_server.

usage: setup_enis.py URL COUNT
"""
import sys

import boto3
import botocore.config

url, count = sys.argv[1], int(sys.argv[2])
ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-west-2",
                   aws_access_key_id="test", aws_secret_access_key="test",
                   config=botocore.config.Config(retries={"max_attempts": 1},
                                                 read_timeout=60))
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/16",
                           AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
enis = [ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        for _ in range(count)]
print(" ".join(enis))
