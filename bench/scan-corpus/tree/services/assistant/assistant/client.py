from openai import OpenAI
import anthropic

client = OpenAI(api_key="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")
claude = anthropic.Anthropic(api_key="sk-ant-api03-KD-UAovgX2O21-nAQxcfeoUn918aHbTo4ge6u3BKTKMq7rl8dqhF20OlFqaIf_OsjjMsM_8HxcXTfK87JeFhc6fCz6jRaAA")
local = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
ollama = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
HF_TOKEN = "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"
login(token="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")
co = cohere.Client("zcPDnjlsdCHVuYC7BUkygn4Eyo07MhEagtwnYY83")
os.environ["REPLICATE_API_TOKEN"] = "r8_8sn1KYzQtn2kQSfxidGbx7lQPpv2iYa4E5nxw"
