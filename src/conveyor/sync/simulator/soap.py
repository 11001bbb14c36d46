"""The simulated ERP's SOAP endpoint for order exports: a document/literal ``PlaceOrder`` and its WSDL."""

from __future__ import annotations

from xml.etree import ElementTree

NS = "urn:conveyor:erp:orders"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions name="Orders" targetNamespace="urn:conveyor:erp:orders"
    xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:tns="urn:conveyor:erp:orders" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <types>
    <xsd:schema targetNamespace="urn:conveyor:erp:orders" elementFormDefault="qualified">
      <xsd:element name="PlaceOrder">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="orderId" type="xsd:string"/>
          <xsd:element name="idempotencyKey" type="xsd:string"/>
          <xsd:element name="document" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="PlaceOrderResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="erpOrderId" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
  <message name="PlaceOrderInput"><part name="parameters" element="tns:PlaceOrder"/></message>
  <message name="PlaceOrderOutput"><part name="parameters" element="tns:PlaceOrderResponse"/></message>
  <portType name="OrdersPort">
    <operation name="PlaceOrder">
      <input message="tns:PlaceOrderInput"/><output message="tns:PlaceOrderOutput"/>
    </operation>
  </portType>
  <binding name="OrdersBinding" type="tns:OrdersPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="PlaceOrder">
      <soap:operation soapAction="urn:conveyor:erp:orders#PlaceOrder"/>
      <input><soap:body use="literal"/></input>
      <output><soap:body use="literal"/></output>
    </operation>
  </binding>
  <service name="OrdersService">
    <port name="OrdersPort" binding="tns:OrdersBinding"><soap:address location="{location}"/></port>
  </service>
</definitions>
"""


class SoapRequestError(ValueError):
    """A request the endpoint cannot read."""


def wsdl(location: str) -> str:
    return WSDL.replace("{location}", location)


def parse_place_order(body: bytes) -> tuple[str, str, str]:
    """(order id, idempotency key, document) of a ``PlaceOrder`` request."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise SoapRequestError(f"not XML: {exc}") from None
    request = root.find(f"{{{SOAP_ENV}}}Body/{{{NS}}}PlaceOrder")
    if request is None:
        raise SoapRequestError("no PlaceOrder in the SOAP body")
    fields = [request.findtext(f"{{{NS}}}{name}") for name in ("orderId", "idempotencyKey", "document")]
    if any(value is None for value in fields):
        raise SoapRequestError("PlaceOrder needs orderId, idempotencyKey and document")
    order_id, key, document = (str(value) for value in fields)
    return order_id, key, document


def envelope(inner: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>'
        f"{inner}</soap:Body></soap:Envelope>"
    )


def place_order_response(erp_order_id: str) -> str:
    return envelope(f'<PlaceOrderResponse xmlns="{NS}"><erpOrderId>{erp_order_id}</erpOrderId></PlaceOrderResponse>')


def fault(message: str) -> str:
    text = message.replace("&", "&amp;").replace("<", "&lt;")
    return envelope(f"<soap:Fault><faultcode>soap:Client</faultcode><faultstring>{text}</faultstring></soap:Fault>")
